import { Injectable } from '@nestjs/common';
import type { ConsumerHealth } from '@sluice/kafka';

/** Anything that reports a consumer's readiness: SluiceKafkaTransport, or a ConsumerRunner a feature owns. */
export interface ConsumerHealthSource {
  consumerHealth(): ConsumerHealth;
}

/**
 * The consumers whose health gates readiness. The Kafka transport is created outside the DI container
 * (Nest builds microservice strategies before modules), so the bootstrap registers it here.
 */
@Injectable()
export class ConsumerHealthRegistry {
  private readonly sources = new Map<string, ConsumerHealthSource>();

  register(name: string, source: ConsumerHealthSource): void {
    this.sources.set(name, source);
  }

  report(): Array<{ name: string } & ConsumerHealth> {
    return [...this.sources].map(([name, source]) => ({ name, ...source.consumerHealth() }));
  }
}
