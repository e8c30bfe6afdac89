import type { ConsumedMessage } from '../port/message.types';
import { buildDeadLetterHeaders, replayHeaders } from './dead-letter.headers';

const message: ConsumedMessage = {
  topic: 'sluice.requests.v1',
  partition: 2,
  offset: '1234',
  key: Buffer.from('req-1'),
  value: Buffer.from('not json'),
  headers: { 'x-correlation-id': 'c-1', traceparent: '00-abc-def-01' },
  timestamp: '1700000000000',
};

describe('buildDeadLetterHeaders', () => {
  it('keeps the original headers and adds the reason and origin', () => {
    expect(buildDeadLetterHeaders(message, { code: 'INVALID_JSON', message: 'value is not JSON', attempts: 1 })).toEqual({
      'x-correlation-id': 'c-1',
      traceparent: '00-abc-def-01',
      'x-sluice-error-code': 'INVALID_JSON',
      'x-sluice-error-message': 'value is not JSON',
      'x-sluice-original-topic': 'sluice.requests.v1',
      'x-sluice-original-partition': '2',
      'x-sluice-original-offset': '1234',
      'x-sluice-attempts': '1',
    });
  });

  it('overrides reason headers left by an earlier dead-lettering', () => {
    const replayed = { ...message, headers: { 'x-sluice-error-code': 'OLD', 'x-sluice-error-stack': 'old stack' } };
    const headers = buildDeadLetterHeaders(replayed, { code: 'NEW', message: 'again', attempts: 4 });
    expect(headers['x-sluice-error-code']).toBe('NEW');
    expect(headers['x-sluice-attempts']).toBe('4');
    expect(headers).not.toHaveProperty('x-sluice-error-stack');
  });

  it('adds a bounded stack and bounds the message', () => {
    const headers = buildDeadLetterHeaders(message, {
      code: 'UNEXPECTED_ERROR',
      message: 'm'.repeat(5_000),
      stack: 's'.repeat(10_000),
      attempts: 4,
    });
    expect(headers['x-sluice-error-message']).toHaveLength(1_000);
    expect(headers['x-sluice-error-stack']).toHaveLength(4_000);
  });
});

describe('replayHeaders', () => {
  it('drops every dead-letter header, keeps the others and names the entry replayed', () => {
    const dead = buildDeadLetterHeaders(message, { code: 'UNEXPECTED_ERROR', message: 'boom', stack: 'at x', attempts: 4 });
    expect(replayHeaders(dead, 'sluice.dlq.v1/0/17')).toEqual({
      'x-correlation-id': 'c-1',
      traceparent: '00-abc-def-01',
      'x-sluice-replayed-from': 'sluice.dlq.v1/0/17',
    });
  });
});
