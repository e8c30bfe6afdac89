import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { ApiKeyGuard, type ApiKeyLedger } from '../auth/api-key.guard';
import { ApiError } from '../errors/api.error';
import { KeyRateGuard } from './key-rate.guard';

class Handler {}
function get(): void {}

/** An HTTP execution context over a bare request and a response that records its headers. */
function httpContext(apiKey: string): { context: ExecutionContext; headers: Map<string, unknown> } {
  const headers = new Map<string, unknown>();
  const request = { headers: { authorization: `Bearer ${apiKey}` } };
  const response = { setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value) };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    getClass: () => Handler,
    getHandler: () => get,
    getType: () => 'http',
  } as unknown as ExecutionContext;
  return { context, headers };
}

// Well-formed keys, authenticated as the ledger would: the prefix is the key's public id.
const KEYS = { a: `slc_${'a'.repeat(12)}_${'s'.repeat(43)}`, b: `slc_${'b'.repeat(12)}_${'s'.repeat(43)}` };
const ledger: ApiKeyLedger = {
  authenticate: (key: string) => Promise.resolve({ keyId: 1, tenantId: `tenant-${key.slice(4, 16)}`, prefix: key.slice(4, 16) }),
};

describe('KeyRateGuard', () => {
  const storage = new ThrottlerStorageService();
  const rate = new KeyRateGuard({ throttlers: [{ ttl: 1_000, limit: 100 }] }, storage, new Reflector());
  const keys = new ApiKeyGuard(ledger);

  beforeAll(async () => {
    // The window is counted on Date.now(): frozen here, so the test is the same on a slow machine.
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    await rate.onModuleInit();
  });
  afterAll(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  async function admit(apiKey: string): Promise<{ admitted: boolean; error?: unknown; headers: Map<string, unknown> }> {
    const { context, headers } = httpContext(apiKey);
    await keys.canActivate(context);
    try {
      return { admitted: await rate.canActivate(context), headers };
    } catch (error) {
      return { admitted: false, error, headers };
    }
  }

  it('admits 100 requests of a key in a second and answers the 101st 429 with Retry-After, leaving other keys alone', async () => {
    for (let index = 0; index < 100; index++) expect((await admit(KEYS.a)).admitted).toBe(true);

    const over = await admit(KEYS.a);
    expect(over.admitted).toBe(false);
    expect(over.error).toBeInstanceOf(ApiError);
    expect((over.error as ApiError).getStatus()).toBe(429);
    expect((over.error as ApiError).getResponse()).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^this API key is over its limit of 100 requests a second; retry after 1 s$/) as unknown },
    });
    expect(over.headers.get('retry-after')).toBe(1);

    expect((await admit(KEYS.b)).admitted).toBe(true);

    jest.advanceTimersByTime(1_000);
    expect((await admit(KEYS.a)).admitted).toBe(true);
  });
});
