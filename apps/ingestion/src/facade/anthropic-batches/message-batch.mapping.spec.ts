import type { InferenceResultV1 } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import type { FacadeBatchRecord, JobRecord } from '@sluice/ledger';
import { envelopeOf, messageBatchObject, refusedResultLine, requestOf, resultLine } from './message-batch.mapping';

const params = { model: 'claude-haiku-4-5', max_tokens: 8, messages: [] };
const created = new Date('2030-01-01T00:00:00Z');
const batch: FacadeBatchRecord = {
  tenant: 'acme',
  id: 'msgbatch_1',
  endpoint: '/v1/messages',
  inputFileId: 'file-1',
  completionWindow: '24h',
  metadata: null,
  deadline: new Date('2030-01-02T00:00:00Z'),
  createdAt: created,
  cancelledAt: null,
  errors: null,
};
const job = (status: JobRecord['status'], lines: number, invalidLines = 0): JobRecord => ({
  tenant: 'acme',
  id: 'msgbatch_1',
  status,
  options: {},
  defaults: {},
  lines,
  invalidLines,
  createdAt: created,
  receivedAt: created,
  updatedAt: new Date('2030-01-01T00:20:00Z'),
});
const counts = (succeeded: number, failed: number) => ({ total: succeeded + failed, succeeded, failed, byLane: new Map() });

describe('envelopeOf', () => {
  it('takes 1 to 100,000 requests, each a unique custom_id and params', () => {
    expect(envelopeOf({ requests: [{ custom_id: 'a-1', params }] })).toEqual({ ok: true, requests: [{ custom_id: 'a-1', params }] });
  });

  it.each([
    [{}, 'requests'],
    [{ requests: [] }, 'requests'],
    [{ requests: [{ custom_id: 'not ok', params }] }, 'requests.0.custom_id'],
    [
      {
        requests: [
          { custom_id: 'a', params },
          { custom_id: 'a', params },
        ],
      },
      'requests.1.custom_id',
    ],
    [{ requests: [{ custom_id: 'a', params: 'x' }] }, 'requests.0.params'],
  ])('refuses %j, naming %s', (json, field) => {
    const envelope = envelopeOf(json);
    expect(envelope.ok).toBe(false);
    expect(envelope.ok ? '' : envelope.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('requestOf', () => {
  it('makes a stored request line a Sluice request, its custom_id in the metadata and no stream', () => {
    expect(requestOf(JSON.stringify({ custom_id: 'a-1', params: { ...params, stream: true } }))).toEqual({
      provider: 'anthropic',
      operation: 'chat',
      body: params,
      metadata: { 'sluice.facade': 'anthropic.batch', custom_id: 'a-1' },
    });
  });
});

describe('messageBatchObject', () => {
  it('counts every request as processing until the whole batch has ended, then by outcome, with its results url', () => {
    const running = messageBatchObject(batch, { job: job('received', 3), counts: counts(2, 0) }, 'http://h/r');
    expect(running).toMatchObject({
      processing_status: 'in_progress',
      request_counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
      created_at: '2030-01-01T00:00:00.000Z',
      expires_at: '2030-01-02T00:00:00.000Z',
    });
    const ended = messageBatchObject(batch, { job: job('received', 3, 1), counts: counts(1, 1) }, 'http://h/r');
    expect(ended).toMatchObject({
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 1, errored: 2, canceled: 0, expired: 0 },
      results_url: 'http://h/r',
      ended_at: '2030-01-01T00:20:00.000Z',
    });
  });

  it('is canceling while a cancelled batch still has requests running', () => {
    const cancelled = { ...batch, cancelledAt: new Date('2030-01-01T00:05:00Z') };
    expect(messageBatchObject(cancelled, { job: job('received', 2), counts: counts(1, 0) }, 'u')).toMatchObject({
      processing_status: 'canceling',
      cancel_initiated_at: '2030-01-01T00:05:00.000Z',
    });
  });
});

describe('results lines', () => {
  const result = (extra: Record<string, unknown>) =>
    sampleResult({ id: 'msgbatch_1-2', tenant: 'acme', lane: 'batch', metadata: { custom_id: 'a-2' }, ...extra }) as unknown as InferenceResultV1;

  it('writes a succeeded request with its message', () => {
    expect(JSON.parse(resultLine(result({ status: 'succeeded', response: { id: 'msg_1' } })))).toMatchObject({
      custom_id: 'a-2',
      result: { type: 'succeeded', message: { id: 'msg_1' } },
      sluice: { request_id: 'msgbatch_1-2', lane: 'batch' },
    });
  });

  it("writes a failed or refused request as errored, with Anthropic's error body", () => {
    const failed = result({ status: 'failed', response: undefined, error: { code: 'PROVIDER_INVALID_REQUEST', message: 'bad', retryable: false } });
    expect(JSON.parse(resultLine(failed))).toMatchObject({
      custom_id: 'a-2',
      result: { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' }, request_id: 'msgbatch_1-2' } },
    });
    expect(JSON.parse(refusedResultLine('msgbatch_1-3', 'a-3', 'MODEL_UNKNOWN', 'no such model'))).toEqual({
      custom_id: 'a-3',
      result: { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: 'no such model' }, request_id: 'msgbatch_1-3' } },
    });
  });
});
