import { InferenceResultV1, LaneRequestV1, LifecycleEventV1, messageKey, Topics } from '@sluice/contracts';
import type { ProducerBatch, ProducerMessage } from '@sluice/kafka';

export interface AggregatorTopics {
  events: string;
  results: string;
  realtimeLane: string;
}

export const DEFAULT_AGGREGATOR_TOPICS: AggregatorTopics = { events: Topics.Events, results: Topics.Results, realtimeLane: Topics.LaneRealtime };

/** An escalation: the lane message for the realtime lane and its `escalated` event, sent together. */
export interface Escalation {
  laneRequest: LaneRequestV1;
  event: LifecycleEventV1;
}

// A batch of 50,000 answers is far more than one produce request should carry: the broker takes
// about 1 MB per partition batch by default, and one embeddings answer alone is tens of kilobytes.
// A send carries at most this many messages and this many bytes of values: a page of small events
// (1,000, a few hundred bytes each) goes in one.
const MESSAGES_PER_SEND = 1_000;
const BYTES_PER_SEND = 512 * 1024;

/**
 * Everything the batch-aggregator produces, keyed by request id, in awaited sends of bounded size:
 * a caller that returns has its messages on the broker.
 */
export class AggregatorPublisher {
  constructor(
    private readonly producer: { sendBatch(batches: readonly ProducerBatch[]): Promise<unknown> },
    private readonly topics: AggregatorTopics = DEFAULT_AGGREGATOR_TOPICS,
  ) {}

  events(events: readonly LifecycleEventV1[]): Promise<void> {
    return this.send(events.map((event) => [this.topics.events, message(event.requestId, event)]));
  }

  /** `traceparents[i]`, when given, is the trace context results[i] goes on with (its answer's span). */
  results(results: readonly InferenceResultV1[], traceparents: readonly (string | undefined)[] = []): Promise<void> {
    return this.send(results.map((result, i) => [this.topics.results, message(result.id, result, traceparents[i])]));
  }

  /** The lane message goes before its event, in the same request. */
  escalations(escalations: readonly Escalation[]): Promise<void> {
    return this.send(
      escalations.flatMap(({ laneRequest, event }): Array<[string, ProducerMessage]> => [
        [this.topics.realtimeLane, message(laneRequest.request.id, laneRequest)],
        [this.topics.events, message(event.requestId, event)],
      ]),
    );
  }

  private async send(messages: ReadonlyArray<[string, ProducerMessage]>): Promise<void> {
    let chunk: Array<[string, ProducerMessage]> = [];
    let bytes = 0;
    for (const [topic, produced] of messages) {
      // Encoded once here, so the chunk is measured by what goes on the wire.
      const value = Buffer.from(JSON.stringify(produced.value));
      if (chunk.length > 0 && (chunk.length >= MESSAGES_PER_SEND || bytes + value.length > BYTES_PER_SEND)) {
        await this.sendChunk(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push([topic, { ...produced, value }]);
      bytes += value.length;
    }
    if (chunk.length > 0) await this.sendChunk(chunk);
  }

  private async sendChunk(chunk: ReadonlyArray<[string, ProducerMessage]>): Promise<void> {
    const byTopic = new Map<string, ProducerMessage[]>();
    for (const [topic, produced] of chunk) {
      const list = byTopic.get(topic);
      if (list) list.push(produced);
      else byTopic.set(topic, [produced]);
    }
    await this.producer.sendBatch([...byTopic].map(([topic, list]) => ({ topic, messages: list })));
  }
}

function message(requestId: string, value: object, traceparent?: string): ProducerMessage {
  return { key: messageKey(requestId), value, requestId, ...(traceparent !== undefined && { traceparent }) };
}
