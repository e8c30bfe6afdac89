import { routeInputOf } from './route-input';

describe('routeInputOf', () => {
  const accepted = {
    request: { tenant: 't1', provider: 'openai', operation: 'chat' as const, mode: 'auto' as const, stream: false, body: { model: 'gpt-4o-mini' } },
    receivedAt: '2030-01-01T00:00:00.000Z',
  };

  it('reads the model from the body and the instants as epoch milliseconds', () => {
    const input = routeInputOf({ ...accepted, deadline: '2030-01-01T01:00:00.000Z', request: { ...accepted.request, notBefore: '2030-01-01T00:30:00.000Z' } });
    expect(input).toEqual({
      tenant: 't1',
      provider: 'openai',
      model: 'gpt-4o-mini',
      operation: 'chat',
      mode: 'auto',
      stream: false,
      deadlineMs: Date.UTC(2030, 0, 1, 1),
      notBeforeMs: Date.UTC(2030, 0, 1, 0, 30),
      receivedAtMs: Date.UTC(2030, 0, 1),
    });
  });

  it('leaves the deadline and the earliest start out when the request gave none', () => {
    const input = routeInputOf(accepted);
    expect(input.deadlineMs).toBeUndefined();
    expect(input.notBeforeMs).toBeUndefined();
  });
});
