import { Injectable } from '@nestjs/common';

/**
 * Whether the service still takes work. Set false first thing in a shutdown, so load balancers and
 * orchestrators stop routing to the service while it drains.
 */
@Injectable()
export class ReadinessState {
  private draining = false;

  get accepting(): boolean {
    return !this.draining;
  }

  drain(): void {
    this.draining = true;
  }
}
