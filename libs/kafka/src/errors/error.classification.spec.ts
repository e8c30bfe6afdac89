import { classifyError, errorMessage } from './error.classification';
import { NonRetryableError } from './non-retryable.error';
import { RetryableError } from './retryable.error';

describe('classifyError', () => {
  it('keeps the code of a non-retryable error', () => {
    expect(classifyError(new NonRetryableError('NO_TENANT', 'tenant missing'))).toEqual({
      kind: 'non-retryable',
      code: 'NO_TENANT',
    });
  });

  it('carries retry-after and code of a retryable error', () => {
    expect(classifyError(new RetryableError('429', { retryAfterMs: 1500, code: 'RATE_LIMITED' }))).toEqual({
      kind: 'retryable',
      code: 'RATE_LIMITED',
      retryAfterMs: 1500,
    });
  });

  it('names exhausted retries when a retryable error has no code', () => {
    expect(classifyError(new RetryableError('flaky'))).toMatchObject({ kind: 'retryable', code: 'RETRIES_EXHAUSTED' });
  });

  it('recognises an outage by the name of the error or of one it was caused by, naming the dependency and why', () => {
    const outage = Object.assign(new Error('the database is unavailable: ECONNREFUSED'), { name: 'DependencyUnavailableError', dependency: 'the database' });
    const expected = { kind: 'outage', code: 'DEPENDENCY_UNAVAILABLE', dependency: 'the database', reason: 'the database is unavailable: ECONNREFUSED' };
    expect(classifyError(outage)).toEqual(expected);
    expect(classifyError(new Error('wrapped', { cause: new Error('again', { cause: outage }) }))).toEqual(expected);
    const unnamed = Object.assign(new Error('down'), { name: 'DependencyUnavailableError' });
    expect(classifyError(unnamed)).toMatchObject({ kind: 'outage', dependency: 'a dependency' });
    const cycle = new Error('cycle');
    (cycle as { cause?: unknown }).cause = cycle;
    expect(classifyError(cycle)).toMatchObject({ kind: 'unexpected' });
  });

  it('treats anything else as unexpected', () => {
    expect(classifyError(new TypeError('x is undefined'))).toEqual({ kind: 'unexpected', code: 'UNEXPECTED_ERROR' });
    expect(classifyError('a string')).toEqual({ kind: 'unexpected', code: 'UNEXPECTED_ERROR' });
  });
});

describe('errorMessage', () => {
  it('reads errors, strings and plain objects', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ status: 'error' })).toBe('{"status":"error"}');
  });
});
