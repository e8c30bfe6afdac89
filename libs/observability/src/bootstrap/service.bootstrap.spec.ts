import { ConfigValidationError } from '@sluice/config';
import { consumerSessionOf } from './service.bootstrap';

describe('consumerSessionOf', () => {
  it('passes the configured session on to the consumers', () => {
    expect(consumerSessionOf({ KAFKA_SESSION_TIMEOUT_MS: 10_000, KAFKA_HEARTBEAT_INTERVAL_MS: 1_000 })).toEqual({
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
    });
    expect(consumerSessionOf({ KAFKA_SESSION_TIMEOUT_MS: 9_000, KAFKA_HEARTBEAT_INTERVAL_MS: 3_000 })).toEqual({
      sessionTimeoutMs: 9_000,
      heartbeatIntervalMs: 3_000,
    });
  });

  it('refuses a heartbeat too slow for the session, naming both settings', () => {
    expect(() => consumerSessionOf({ KAFKA_SESSION_TIMEOUT_MS: 6_000, KAFKA_HEARTBEAT_INTERVAL_MS: 2_500 })).toThrow(ConfigValidationError);
    expect(() => consumerSessionOf({ KAFKA_SESSION_TIMEOUT_MS: 6_000, KAFKA_HEARTBEAT_INTERVAL_MS: 2_500 })).toThrow(
      /KAFKA_HEARTBEAT_INTERVAL_MS \(2500\).*KAFKA_SESSION_TIMEOUT_MS \(6000\)/,
    );
  });
});
