import { resolveReservedShare } from './reserved-share';

const noFile = (): undefined => undefined;
const file = (text: string) => (): string => text;

describe('resolveReservedShare', () => {
  it('takes WORKER_REALTIME_RESERVED_SHARE first', () => {
    expect(resolveReservedShare({ WORKER_REALTIME_RESERVED_SHARE: '0.5', ROUTING_POLICY_FILE: 'p.json' }, file('{"reservedRealtimeShare":0.1}'))).toEqual({
      share: 0.5,
      source: 'WORKER_REALTIME_RESERVED_SHARE',
    });
  });

  it("then the routing policy file's reservedRealtimeShare", () => {
    expect(resolveReservedShare({ ROUTING_POLICY_FILE: 'p.json' }, file('{"reservedRealtimeShare":0.1}'))).toEqual({ share: 0.1, source: 'p.json' });
  });

  it("then the built-in policy's, when there is no policy file", () => {
    expect(resolveReservedShare({ ROUTING_POLICY_FILE: 'p.json' }, noFile)).toEqual({ share: 0.3, source: 'built-in routing policy' });
  });

  it('uses the default share of a policy file that does not set one', () => {
    expect(resolveReservedShare({ ROUTING_POLICY_FILE: 'p.json' }, file('{}')).share).toBe(0.3);
  });

  it('refuses a policy file that is not JSON or not a policy, naming the file', () => {
    expect(() => resolveReservedShare({ ROUTING_POLICY_FILE: 'p.json' }, file('{'))).toThrow(/ROUTING_POLICY_FILE p.json is not valid JSON/);
    expect(() => resolveReservedShare({ ROUTING_POLICY_FILE: 'p.json' }, file('{"reservedRealtimeShare":2}'))).toThrow(
      /ROUTING_POLICY_FILE p.json is not a valid policy: reservedRealtimeShare must be a number in \[0, 1\)/,
    );
  });
});
