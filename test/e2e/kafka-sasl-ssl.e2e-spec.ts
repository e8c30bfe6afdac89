import { randomTenant } from '@sluice/testing';
import { join } from 'node:path';
import { SCRAM_USER, startSecuredBroker, type SecuredBroker } from '../../libs/kafka/src/testing/secured-broker';
import { loadTopicDefinitions } from '../../scripts/stack/kafka/topics.definition';
import { provisionTopics } from '../../scripts/stack/kafka/topics.provisioner';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { SERVICES, type ServiceName } from '../../scripts/up/services/service.catalog';
import { SluiceHarness, chatRequest } from './support';

/**
 * A request through ingestion, the router and the realtime worker to its result, with every Sluice
 * client (the services' and the harness's own) on a broker whose only client listener is SASL_SSL.
 */
describe('request to result over SASL_SSL (TLS + SCRAM-SHA-512)', () => {
  let broker: SecuredBroker;
  let h: SluiceHarness;

  beforeAll(async () => {
    broker = await startSecuredBroker();
    const security = {
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: broker.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: SCRAM_USER.username,
      KAFKA_SASL_PASSWORD: SCRAM_USER.password,
    };
    // This file's own environment (Jest gives each test file its own): the harness, the topic
    // provisioner and the services all read the cluster and its security from it.
    Object.assign(process.env, { KAFKA_BROKERS: broker.brokers.join(','), ...security });
    await provisionTopics(process.env.KAFKA_BROKERS!, loadTopicDefinitions(join(REPO_ROOT, 'deploy', 'kafka', 'topics.json')));
    const env = Object.fromEntries(SERVICES.map((spec) => [spec.name, security])) as Partial<Record<ServiceName, Record<string, string>>>;
    h = await SluiceHarness.start({ name: 'sasl-ssl', env });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
    await broker?.stop();
  }, 120_000);

  it('turns a produced request into its result', async () => {
    const tenant = randomTenant('sasl');
    const request = chatRequest(tenant, { outputTokens: 5, extra: { mode: 'auto', maxLatencyMs: 30_000 } });
    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id);
    expect(result).toMatchObject({ id: request.id, tenant, status: 'succeeded', lane: 'realtime' });
  });
});
