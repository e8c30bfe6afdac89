import type { Socket } from 'node:net';

/**
 * Connections a "timeout" fault holds open without answering. They are dropped after their delay,
 * or at once when the emulator resets or shuts down, so a held request never blocks a stop.
 */
export class HeldConnections {
  private readonly held = new Map<Socket, NodeJS.Timeout>();

  hold(socket: Socket, ms: number): void {
    const timer = setTimeout(() => this.drop(socket), ms);
    this.held.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(timer);
      this.held.delete(socket);
    });
  }

  get size(): number {
    return this.held.size;
  }

  dropAll(): void {
    for (const socket of [...this.held.keys()]) this.drop(socket);
  }

  private drop(socket: Socket): void {
    const timer = this.held.get(socket);
    if (timer) clearTimeout(timer);
    this.held.delete(socket);
    socket.destroy();
  }
}
