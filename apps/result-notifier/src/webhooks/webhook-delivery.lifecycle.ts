import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WebhookDeliveryLoop } from './webhook-delivery.loop';

/**
 * Runs the delivery loop while the application runs. It stops in onModuleDestroy, the first of Nest's
 * shutdown hooks, so its last ledger writes land before the database pool closes.
 */
@Injectable()
export class WebhookDeliveryLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(private readonly loop: WebhookDeliveryLoop) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }
}
