import { ConfigValidationError, loadConfig } from '@sluice/config';
import { RealtimeWorkerConfig } from './realtime-worker.config';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(RealtimeWorkerConfig, env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('RealtimeWorkerConfig', () => {
  it('points at the emulator and leaves the reserved share to the policy by default', () => {
    const config = loadConfig(RealtimeWorkerConfig, {});
    expect(config).toMatchObject({
      PORT: 3002,
      OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010',
      WORKER_MAX_CONCURRENCY: 32,
      WORKER_MAX_ATTEMPTS: 5,
      WORKER_FALLBACKS: '{}',
    });
    expect(config.WORKER_REALTIME_RESERVED_SHARE).toBeUndefined();
    // Unset: the lane's watermarks follow the provider concurrency (laneWatermarks).
    expect(config.WORKER_MAX_IN_FLIGHT).toBeUndefined();
    expect(config.WORKER_PARTITION_BATCH_SIZE).toBe(16);
  });

  it('reads the worker settings', () => {
    const config = loadConfig(RealtimeWorkerConfig, {
      WORKER_REALTIME_RESERVED_SHARE: '0.25',
      WORKER_FALLBACKS: '{"openai:gpt-4o":"openai:gpt-4o-mini"}',
      WORKER_MODEL_CONCURRENCY: '{"openai:gpt-4o":8}',
      WORKER_PARTITION_BATCH_SIZE: '16',
    });
    expect(config).toMatchObject({ WORKER_REALTIME_RESERVED_SHARE: '0.25', WORKER_PARTITION_BATCH_SIZE: 16 });
  });

  it('fails at boot naming each bad variable, with the parser’s own reasons for JSON settings', () => {
    expect(
      problems({
        WORKER_REALTIME_RESERVED_SHARE: '1',
        WORKER_FALLBACKS: '{"openai:gpt-4o":"anthropic:claude-haiku-4-5"}',
        WORKER_MODEL_CONCURRENCY: '{',
        OPENAI_API_KEY: 'has space',
      })
        .slice()
        .sort(),
    ).toEqual(
      [
        'OPENAI_API_KEY must be a key without spaces (got "[redacted]")',
        'WORKER_MODEL_CONCURRENCY is not valid JSON (got "{")',
        'WORKER_REALTIME_RESERVED_SHARE must be a decimal fraction from 0 up to, not including, 1 (e.g. 0.3) (got "1")',
        'WORKER_FALLBACKS "openai:gpt-4o" must fall back to a model of the same provider (got "{\\"openai:gpt-4o\\":\\"anthropic:claude-haiku-4-5\\"}")',
      ].sort(),
    );
  });
});
