import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { KafkaAdmin } from '../admin/kafka.admin';
import type { KafkaDriver } from '../port/driver.port';
import { KAFKA_DRIVER } from './sluice-kafka.module';

/** The broker's topic list (for checking callers' replyTo topics), over an admin client connected on first use. */
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
