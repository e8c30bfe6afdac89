import type { ConsumedMessage } from '../port/message.types';
import type { KafkaProducer } from '../producer/kafka.producer';
import { buildDeadLetterHeaders, type DeadLetterFailure } from './dead-letter.headers';

/** The dead-letter write failed: the message cannot be parked, so its partition cannot move on. */
export class DeadLetterPublishError extends Error {
  override readonly name = 'DeadLetterPublishError';
}

/** Parks a message on the dead-letter topic with its key and value unchanged and the reason in headers. */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: KafkaProducer,
    readonly topic: string,
  ) {}

  async publish(message: ConsumedMessage, failure: DeadLetterFailure): Promise<void> {
    try {
      await this.producer.send(this.topic, [{ key: message.key, value: message.value, headers: buildDeadLetterHeaders(message, failure) }]);
    } catch (cause) {
      throw new DeadLetterPublishError(
        `could not dead-letter ${message.topic}[${message.partition}]@${message.offset} to ${this.topic}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
}
