import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { KAFKA_DRIVER, KafkaAdmin } from '@sluice/kafka';
import type { KafkaDriver } from '@sluice/kafka';

/** The broker's topic list for ReplyTopics, over an admin client connected on first use. */
@Injectable()
export class BrokerTopics implements OnApplicationShutdown {
  private readonly admin: KafkaAdmin;
  private connecting?: Promise<void>;

  constructor(@Inject(KAFKA_DRIVER) kafka: KafkaDriver) {
    this.admin = new KafkaAdmin(kafka);
  }

  async list(): Promise<string[]> {
    this.connecting ??= this.admin.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    await this.connecting;
    return this.admin.listTopics();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connecting === undefined) return;
    await this.connecting.catch(() => undefined);
    await this.admin.disconnect();
  }
}
