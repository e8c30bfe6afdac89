import { InferenceResultV1, messageKey, StreamChunkV1 } from '@sluice/contracts';
import type { KafkaProducer, ProducerMessage } from '@sluice/kafka';
import type { Correlation, LaneOutput } from './lane-request.handler';
import type { WorkerTopics } from './worker.topics';

/** LaneOutput over the service's KafkaProducer: every record keyed by request id, so one request's stay in order. */
export class KafkaLaneOutput implements LaneOutput {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly topics: Pick<WorkerTopics, 'results' | 'stream'>,
  ) {}

  async publishResult(result: InferenceResultV1, correlation: Correlation): Promise<void> {
    await this.producer.send(this.topics.results, [this.record(result.id, result, correlation)]);
  }

  async publishResults(results: ReadonlyArray<{ result: InferenceResultV1; correlation: Correlation }>): Promise<void> {
    await this.producer.send(
      this.topics.results,
      results.map(({ result, correlation }) => this.record(result.id, result, correlation)),
    );
  }

  async publishChunks(chunks: readonly StreamChunkV1[], correlation: Correlation): Promise<void> {
    await this.producer.send(
      this.topics.stream,
      chunks.map((chunk) => this.record(chunk.requestId, chunk, correlation)),
    );
  }

  private record(requestId: string, value: unknown, correlation: Correlation): ProducerMessage {
    return { key: messageKey(requestId), value, ...correlation };
  }
}
