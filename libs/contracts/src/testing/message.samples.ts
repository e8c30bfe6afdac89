/**
 * One valid plain sample per message, as it would appear on the wire. Specs start from these and
 * break one thing at a time; other libraries' tests may import them from `@sluice/contracts/testing/message.samples`.
 */
export function sampleRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'req-1',
    tenant: 'acme',
    provider: 'openai',
    operation: 'chat',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], temperature: 0 },
    mode: 'auto',
    deadline: '2030-01-01T12:00:00Z',
    notBefore: '2030-01-01T00:00:00+02:00',
    stream: false,
    cache: true,
    replyTo: 'acme.replies',
    webhook: { url: 'https://hooks.example.com/sluice' },
    metadata: { job: 'nightly-digest', 'trace.parent': 'abc' },
    ...overrides,
  };
}

export function sampleAccepted(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request: sampleRequest(),
    receivedAt: '2029-12-31T12:00:00.123Z',
    deadline: '2030-01-01T12:00:00.000Z',
    source: 'kafka',
    ...overrides,
  };
}

export function sampleLaneRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...sampleAccepted(),
    routing: {
      lane: 'batch',
      reason: 'deadline-slack>batch-estimate',
      estimatedCostUsd: 0.00005,
      realtimeCostUsd: 0.0001,
      routedAt: '2029-12-31T12:00:00.200Z',
      deadline: '2030-01-01T12:00:00.000Z',
      attempt: 1,
    },
    ...overrides,
  };
}

export function sampleResult(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'req-1',
    tenant: 'acme',
    resultId: 'acme.req-1.batch.1',
    status: 'succeeded',
    lane: 'batch',
    provider: 'openai',
    model: 'gpt-4o-mini',
    response: { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' } }] },
    usage: { inputTokens: 9, outputTokens: 2, cachedInputTokens: 0 },
    cost: { usd: 0.00005, realtimeUsd: 0.0001, savedUsd: 0.00005 },
    timings: { receivedAt: '2029-12-31T12:00:00.123Z', routedAt: '2029-12-31T12:00:00.200Z', completedAt: '2029-12-31T18:00:00Z' },
    deadline: '2030-01-01T12:00:00.000Z',
    deadlineMet: true,
    metadata: { job: 'nightly-digest' },
    ...overrides,
  };
}

export function sampleFailedResult(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { response: _response, ...rest } = sampleResult({
    status: 'failed',
    lane: 'realtime',
    resultId: 'acme.req-1.realtime.1',
    error: { code: 'PROVIDER_INVALID_REQUEST', message: 'model not found', retryable: false, providerCode: 'model_not_found', providerRequestId: 'req_abc' },
    usage: { inputTokens: 0, outputTokens: 0 },
    cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    ...overrides,
  });
  return rest;
}

export function sampleEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: 'acme.req-1.routed',
    type: 'routed',
    requestId: 'req-1',
    tenant: 'acme',
    at: '2029-12-31T12:00:00.200Z',
    lane: 'batch',
    reason: 'deadline-slack>batch-estimate',
    estimatedCostUsd: 0.00005,
    realtimeCostUsd: 0.0001,
    deadline: '2030-01-01T12:00:00.000Z',
    ...overrides,
  };
}

export function sampleStreamChunk(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { requestId: 'req-1', tenant: 'acme', seq: 0, delta: 'Hel', final: false, at: '2029-12-31T12:00:00.300Z', ...overrides };
}

export function sampleDeadLetterHeaders(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'x-sluice-error-code': 'INVALID_JSON',
    'x-sluice-error-message': 'the message is not valid JSON: Unexpected token',
    'x-sluice-original-topic': 'sluice.requests.v1',
    'x-sluice-original-partition': '3',
    'x-sluice-original-offset': '1042',
    'x-sluice-attempts': '0',
    ...overrides,
  };
}
