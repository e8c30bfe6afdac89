import type { IHeaders, KafkaMessage, Message, RecordMetadata } from 'kafkajs';
import type { ConsumedMessage, MessageHeaders, SendResult, WireMessage } from '../../port/message.types';

export function decodeHeaders(headers: IHeaders | undefined): MessageHeaders {
  const decoded: MessageHeaders = {};
  if (!headers) return decoded;
  // for...in rather than Object.entries: this runs for every consumed message, headers or not.
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    decoded[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return decoded;
}

export function fromKafkaJsMessage(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value,
    headers: decodeHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

export function toKafkaJsMessage(message: WireMessage): Message {
  return {
    key: message.key ?? null,
    value: message.value,
    headers: message.headers,
    partition: message.partition,
  };
}

export function fromRecordMetadata(metadata: RecordMetadata[]): SendResult[] {
  return metadata.map(({ topicName, partition, baseOffset }) => ({
    topic: topicName,
    partition,
    baseOffset: baseOffset ?? '-1',
  }));
}
