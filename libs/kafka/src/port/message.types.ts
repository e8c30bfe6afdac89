/** Header values are decoded as UTF-8; a header sent several times keeps its last value. */
export type MessageHeaders = Record<string, string>;

/** A record as read from a topic, independent of the driver that fetched it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string the broker sent. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string;
}

/** A record ready for the wire: the value is already encoded. */
export interface WireMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: MessageHeaders;
  partition?: number;
}

export interface TopicMessages {
  topic: string;
  messages: readonly WireMessage[];
}

/** Where the broker stored (the first record of) one produce request per partition. */
export interface SendResult {
  topic: string;
  partition: number;
  baseOffset: string;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}
