import type { MessageContext } from '@sluice/kafka';
import { Writable } from 'node:stream';
import { createRootLogger } from '../logging/logger.options';
import { MessageLogger } from '../logging/message.logger';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { MessageObserver } from './message.observer';

function contextFor(topic: string, headers: Record<string, string> = {}): MessageContext {
  return {
    topic,
    partition: 2,
    offset: '41',
    key: null,
    headers,
    timestamp: '0',
    attempt: 1,
    signal: new AbortController().signal,
    heartbeat: async () => undefined,
  };
}

describe('MessageObserver', () => {
  let lines: Array<Record<string, unknown>>;
  let metrics: MetricsRegistry;
  let observer: MessageObserver;

  beforeEach(() => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    metrics = new MetricsRegistry('router');
    observer = new MessageObserver(new MessageLogger(createRootLogger('router', 'debug', sink)), metrics);
  });

  it('counts each message under its topic', async () => {
    observer.received(contextFor('sluice.accepted.v1'), {});
    observer.received(contextFor('sluice.accepted.v1'), {});
    observer.received(contextFor('sluice.lane.async.v1'), {});
    const text = await metrics.metrics();
    expect(text).toContain('sluice_messages_consumed_total{topic="sluice.accepted.v1",service="router"} 2');
    expect(text).toContain('sluice_messages_consumed_total{topic="sluice.lane.async.v1",service="router"} 1');
  });

  it('counts a batch at once, and binds a logger to one of its messages without counting it again', async () => {
    observer.receivedBatch('sluice.requests.v1', 300);
    observer.receivedBatch('sluice.requests.v1', 0);
    observer.loggerFor(contextFor('sluice.requests.v1'), { requestId: 'req-9', tenant: 'acme' }).info('request rejected');
    expect(await metrics.metrics()).toContain('sluice_messages_consumed_total{topic="sluice.requests.v1",service="router"} 300');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'request rejected', topic: 'sluice.requests.v1', offset: '41', requestId: 'req-9', tenant: 'acme' }),
    ]);
  });

  it('returns a logger bound to where the message came from and whom it is about', () => {
    observer.received(contextFor('sluice.accepted.v1'), { requestId: 'req-1', tenant: 'acme' }).debug('accepted');
    expect(lines).toEqual([
      expect.objectContaining({
        service: 'router',
        level: 'debug',
        msg: 'accepted',
        topic: 'sluice.accepted.v1',
        partition: 2,
        offset: '41',
        requestId: 'req-1',
        tenant: 'acme',
      }),
    ]);
  });

  it('takes the request id from the x-request-id header when the payload has none', () => {
    observer.received(contextFor('sluice.requests.v1', { 'x-request-id': 'from-header' }), { tenant: 'acme' }).info('x');
    expect(lines[0]).toMatchObject({ requestId: 'from-header', tenant: 'acme' });
  });

  it('counts a batch of one topic at once, and gives a logger only to a message that asks', async () => {
    observer.receivedBatch('sluice.accepted.v1', 3);
    expect(await metrics.metrics()).toContain('sluice_messages_consumed_total{topic="sluice.accepted.v1",service="router"} 3');
    observer.loggerFor({ topic: 'sluice.accepted.v1', partition: 2, offset: '7' }).info('batch routed');
    observer.loggerFor(contextFor('sluice.accepted.v1', { 'x-request-id': 'from-header' }), { tenant: 'acme' }).info('held');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'batch routed', topic: 'sluice.accepted.v1', offset: '7' }),
      expect.objectContaining({ msg: 'held', topic: 'sluice.accepted.v1', offset: '41', requestId: 'from-header', tenant: 'acme' }),
    ]);
    expect(lines[0]).not.toHaveProperty('requestId');
  });
});
