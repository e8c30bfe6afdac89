import { ErrorCode } from '../errors/error-code.enum';
import { sampleEvent } from '../testing/message.samples';
import { validateMessage } from '../validation/validate-message';
import { LifecycleEventType, LifecycleEventV1, lifecycleEventId } from './lifecycle-event.v1';

const base = { eventId: 'acme.req-1.x', requestId: 'req-1', tenant: 'acme', at: '2030-01-01T00:00:00Z' };

function missingFields(type: LifecycleEventType): string[] {
  const outcome = validateMessage(LifecycleEventV1, { ...base, type });
  return outcome.ok
    ? []
    : outcome.errors
        .filter((e) => e.code === ErrorCode.MISSING_FIELD)
        .map((e) => e.field)
        .sort();
}

describe('LifecycleEventV1', () => {
  it('accepts a routed event', () => {
    expect(validateMessage(LifecycleEventV1, sampleEvent()).ok).toBe(true);
  });

  it.each<[LifecycleEventType, string[]]>([
    ['accepted', []],
    ['rejected', ['error']],
    ['routed', ['lane', 'reason']],
    ['queued', ['lane']],
    ['batched', ['batchId']],
    ['submitted', []],
    ['progress', ['progress']],
    ['escalated', ['lane', 'reason']],
    ['completed', ['lane', 'resultId']],
    ['failed', ['error']],
  ])('a %s event requires %j', (type, fields) => {
    expect(missingFields(type)).toEqual(fields);
  });

  it('carries a rejection with the offending field', () => {
    const outcome = validateMessage(LifecycleEventV1, {
      ...base,
      type: 'rejected',
      error: { code: ErrorCode.INVALID_FIELD, message: 'body.model is required', field: 'body.model' },
    });
    expect(outcome.ok).toBe(true);
  });

  it('validates nested progress and error with dotted paths', () => {
    const outcome = validateMessage(LifecycleEventV1, { ...base, type: 'progress', progress: { done: -1, total: 0 }, error: { message: 'x' } });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors.map((e) => e.field).sort()).toEqual(['error.code', 'progress.done', 'progress.total']);
  });

  it('rejects an unknown type', () => {
    const outcome = validateMessage(LifecycleEventV1, { ...base, type: 'exploded' });
    expect(outcome).toEqual({ ok: false, errors: [expect.objectContaining({ code: ErrorCode.INVALID_FIELD, field: 'type' })] });
  });

  it('derives stable event ids', () => {
    expect(lifecycleEventId('acme', 'req-1', 'routed')).toBe('acme.req-1.routed');
    expect(lifecycleEventId('acme', 'req-1', 'progress', 40)).toBe('acme.req-1.progress.40');
    expect(lifecycleEventId('acme', 'req-1', 'progress', 40)).toBe(lifecycleEventId('acme', 'req-1', 'progress', 40));
  });
});
