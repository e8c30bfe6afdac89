import type { MessageHeaders, WireMessage } from '../port/message.types';

/** Correlation headers every service forwards (the same names @sluice/contracts uses). */
export const CorrelationHeader = {
  CorrelationId: 'x-correlation-id',
  RequestId: 'x-request-id',
  Traceparent: 'traceparent',
} as const;

export interface ProducerMessage {
  key?: string | Buffer | null;
  /** A Buffer is sent as it is and null is a tombstone; anything else is JSON-encoded. */
  value: unknown;
  headers?: MessageHeaders;
  partition?: number;
  correlationId?: string;
  requestId?: string;
  traceparent?: string;
}

export function encodeValue(value: unknown): Buffer | string | null {
  if (value === null || Buffer.isBuffer(value)) return value;
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new TypeError(`cannot JSON-encode a value of type ${typeof value}`);
  }
  return json;
}

export function encodeMessage(message: ProducerMessage): WireMessage {
  const headers: MessageHeaders = { ...message.headers };
  if (message.correlationId !== undefined) headers[CorrelationHeader.CorrelationId] = message.correlationId;
  if (message.requestId !== undefined) headers[CorrelationHeader.RequestId] = message.requestId;
  if (message.traceparent !== undefined) headers[CorrelationHeader.Traceparent] = message.traceparent;
  return {
    key: message.key ?? null,
    value: encodeValue(message.value),
    headers,
    partition: message.partition,
  };
}
