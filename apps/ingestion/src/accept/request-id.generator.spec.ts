import { JOB_ID_PATTERN, REQUEST_ID_PATTERN } from '@sluice/contracts';
import { newJobId, newRequestId, requestIdForMessage } from './request-id.generator';

describe('request ids', () => {
  it('are req_ and a ULID: 26 Crockford base32 characters, time first', () => {
    const id = newRequestId(new Date('2030-01-01T00:00:00Z'), new Uint8Array(10));
    expect(id).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id).toMatch(REQUEST_ID_PATTERN);
    expect(id.endsWith('0'.repeat(16))).toBe(true);
  });

  it('name jobs job_ and a ULID, short enough to derive request ids from', () => {
    const id = newJobId(new Date('2030-01-01T00:00:00Z'));
    expect(id).toMatch(/^job_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id).toMatch(JOB_ID_PATTERN);
    expect(`${id}-2147483647`).toMatch(REQUEST_ID_PATTERN);
  });

  it('sort by the time they were made', () => {
    const earlier = newRequestId(new Date('2030-01-01T00:00:00.000Z'), new Uint8Array(10).fill(255));
    const later = newRequestId(new Date('2030-01-01T00:00:00.001Z'), new Uint8Array(10));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  it('differ for the same instant', () => {
    const now = new Date();
    expect(newRequestId(now)).not.toBe(newRequestId(now));
  });

  it('derive the same id from the same message position, and different ones from different positions', () => {
    const position = { topic: 'sluice.requests.v1', partition: 3, offset: '42', timestamp: '1893456000000' };
    expect(requestIdForMessage(position)).toBe(requestIdForMessage({ ...position }));
    expect(requestIdForMessage(position)).not.toBe(requestIdForMessage({ ...position, offset: '43' }));
    expect(requestIdForMessage(position)).not.toBe(requestIdForMessage({ ...position, timestamp: '1893456000001' }));
    expect(requestIdForMessage(position)).toMatch(REQUEST_ID_PATTERN);
  });
});
