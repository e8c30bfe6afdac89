import { ErrorCode } from '@sluice/contracts';
import { planMissing } from './missing.plan';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-01-01T00:00:00Z');
const SETTINGS = { nowMs: NOW, maxAttempts: 3, resubmitMs: 6 * HOUR, escalationLeadMs: 60_000 };
const EXPIRED = { code: ErrorCode.BATCH_EXPIRED, message: 'the batch expired before this line ran', retryable: true };

describe('planMissing', () => {
  it('resubmits a line that did not run while another batch turnaround fits before its deadline', () => {
    expect(planMissing({ attempt: 1, deadlineMs: NOW + 24 * HOUR, error: EXPIRED }, SETTINGS)).toEqual({ action: 'resubmit' });
  });

  it('escalates when the next batch would end too close to the deadline', () => {
    expect(planMissing({ attempt: 1, deadlineMs: NOW + 6 * HOUR + 60_000, error: EXPIRED }, SETTINGS)).toEqual({ action: 'escalate', reason: 'batch-expired' });
  });

  it('escalates once the request has had its batch attempts', () => {
    expect(planMissing({ attempt: 3, deadlineMs: NOW + 48 * HOUR, error: EXPIRED }, SETTINGS)).toMatchObject({ action: 'escalate' });
  });

  it('fails a line the provider refused, wherever its deadline is', () => {
    const refused = { code: ErrorCode.PROVIDER_INVALID_REQUEST, message: 'max_tokens is too large', retryable: false };
    expect(planMissing({ attempt: 1, deadlineMs: NOW + 48 * HOUR, error: refused }, SETTINGS)).toEqual({ action: 'fail' });
  });

  it('names the escalation after what happened to the line', () => {
    const cancelled = { code: ErrorCode.BATCH_CANCELLED, message: 'cancelled', retryable: true };
    expect(planMissing({ attempt: 1, deadlineMs: NOW + 60_000, error: cancelled }, SETTINGS)).toEqual({ action: 'escalate', reason: 'batch-cancelled' });
  });
});
