import { tallyCorpus } from './corpus.tally';

describe('tallyCorpus', () => {
  it('expects a rejected event for a case with a readable id and a dead letter for one without, each under its code and field', () => {
    const figures = tallyCorpus(
      [
        { kind: 'not-json', key: 'r-not-json', expect: { code: 'INVALID_JSON' } },
        { kind: 'tenant-missing', key: 'r-tenant-missing', expect: { code: 'MISSING_TENANT', field: 'tenant' } },
        { kind: 'mode-unknown', key: 'r-mode-unknown', requestId: 'r-mode-unknown', expect: { code: 'INVALID_FIELD', field: 'mode' } },
        { kind: 'service-tier', key: 'r-service-tier', requestId: 'r-service-tier', expect: { code: 'INVALID_FIELD', field: 'body.service_tier' } },
        { kind: 'deep-nesting', key: 'r-deep-nesting', requestId: 'r-deep-nesting', expect: { code: 'INVALID_FIELD', field: 'body' } },
        { kind: 'reply-to-internal', key: 'r-reply-to-internal', requestId: 'r-reply-to-internal', expect: { code: 'INVALID_FIELD', field: 'replyTo' } },
      ],
      [
        { key: 'r-not-json', via: 'dlq', code: 'INVALID_JSON' },
        { key: 'r-tenant-missing', via: 'dlq', code: 'MISSING_TENANT' },
        { key: 'r-mode-unknown', via: 'event', code: 'INVALID_FIELD', field: 'mode' },
        { key: 'r-service-tier', via: 'event', code: 'INVALID_FIELD', field: 'body' },
        { key: 'r-deep-nesting', via: 'dlq', code: 'UNEXPECTED_ERROR' },
      ],
    );
    expect(figures).toEqual({
      kinds: 6,
      asExpected: 3,
      otherwise: [
        { kind: 'service-tier', expected: 'event INVALID_FIELD (body.service_tier)', got: 'event INVALID_FIELD (body)' },
        { kind: 'deep-nesting', expected: 'event INVALID_FIELD (body)', got: 'dlq UNEXPECTED_ERROR' },
      ],
      unseen: ['reply-to-internal'],
    });
  });

  it('finds a case refused under an id Sluice derived by the correlation id it was sent with', () => {
    const item = { kind: 'id-invalid', key: 'r-id-invalid', correlationId: 'r-id-invalid', expect: { code: 'INVALID_FIELD', field: 'id' } };
    expect(tallyCorpus([item], [{ key: 'r-id-invalid', via: 'event', code: 'INVALID_FIELD', field: 'id' }])).toMatchObject({ asExpected: 1, unseen: [] });
    expect(tallyCorpus([item], [{ key: 'r-id-invalid', via: 'dlq', code: 'INVALID_FIELD' }])).toMatchObject({
      asExpected: 0,
      otherwise: [{ kind: 'id-invalid' }],
    });
  });
});
