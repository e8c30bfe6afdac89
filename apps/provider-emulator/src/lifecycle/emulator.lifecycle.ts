import { rm } from 'node:fs/promises';
import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { MessageBatchService } from '../anthropic/batches/message-batch.service';
import type { BillingLedger } from '../billing/billing.ledger';
import type { FaultInjector } from '../faults/fault.injector';
import type { HeldConnections } from '../http/held.connections';
import type { RateLimiter } from '../limits/rate.limiter';
import type { OpenAIBatchService } from '../openai/batches/openai-batch.service';
import type { FileStore } from '../openai/files/file.store';
import type { ProfileRegistry } from '../profiles/profile.registry';

/** Resets all emulator state (admin API) and stops it cleanly on shutdown. */
export class EmulatorLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly parts: {
      profiles: ProfileRegistry;
      faults: FaultInjector;
      limiter: RateLimiter;
      held: HeldConnections;
      billing: BillingLedger;
      files: FileStore;
      openaiBatches: OpenAIBatchService;
      messageBatches: MessageBatchService;
      logger: Logger;
      /** Removed at shutdown: a data directory created just for this run. */
      temporaryDataDir: string | undefined;
    },
  ) {
    // A new seed or profile restarts the fault sequences, so a replay from that point is exact.
    parts.profiles.onChange(() => parts.faults.restartSequences());
  }

  get ready(): boolean {
    return !this.stopping;
  }

  async reset(seed?: number): Promise<void> {
    const { profiles, faults, limiter, held, billing, files, openaiBatches, messageBatches, logger } = this.parts;
    profiles.reset();
    if (seed !== undefined) profiles.setSeed(seed);
    faults.reset();
    limiter.reset();
    held.dropAll();
    await openaiBatches.reset();
    await messageBatches.reset();
    await files.reset();
    await billing.reset();
    logger.info({ seed: profiles.getSeed() }, 'emulator state reset');
  }

  /** Before the server closes: stop batch work and drop held connections so close() is not kept waiting. */
  beforeApplicationShutdown(signal?: string): void {
    this.stopping = true;
    this.parts.logger.info({ signal }, 'provider emulator shutting down');
    this.parts.openaiBatches.stopAll();
    this.parts.messageBatches.stopAll();
    this.parts.held.dropAll();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.parts.billing.close();
    if (this.parts.temporaryDataDir) await rm(this.parts.temporaryDataDir, { recursive: true, force: true });
    this.parts.logger.info('provider emulator stopped');
  }
}
