import { createKafkaJsDriver, KafkaProducer, MessageSigner, parseBrokerList, readDlqEntry, readTopicToEnd } from '@sluice/kafka';
import { createPool, DlqDispositionsRepository } from '@sluice/ledger';
import { kafkaSecurityFromEnv } from '../../stack/kafka/kafka.security';
import { CliError } from '../api/sluice.client';
import type { DlqPorts } from './dlq.command';

const DEFAULT_BROKERS = '127.0.0.1:9092';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sluice';

type Env = Readonly<Record<string, string | undefined>>;

/** PostgreSQL's undefined_table: a ledger the stack has not migrated since dlq_dispositions (009) was added. */
const UNDEFINED_TABLE = '42P01';

function ledgerHint(repository: DlqDispositionsRepository): DlqPorts['dispositions'] {
  const explain = (error: unknown): never => {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) {
      throw new CliError('the ledger has no dlq_dispositions table yet: apply the migrations (npm run stack:up applies them to a running stack too)');
    }
    throw error;
  };
  return {
    forTopic: (topic) => repository.forTopic(topic).catch(explain),
    settle: (topic, disposition, entries, act) => repository.settle(topic, disposition, entries, act).catch(explain),
  };
}

/** The broker and ledger of $KAFKA_BROKERS and $DATABASE_URL, replays signed with $SLUICE_INTERNAL_SIGNING_KEY; `close` when done. */
export function openDlqPorts(env: Env): DlqPorts & { close(): Promise<void> } {
  const write = (level: string) => (fields: object, msg?: string) => process.stderr.write(`sluice: kafka ${level}: ${msg ?? ''} ${JSON.stringify(fields)}\n`);
  const quiet = () => undefined;
  const kafka = createKafkaJsDriver({
    brokers: parseBrokerList(env.KAFKA_BROKERS || DEFAULT_BROKERS),
    clientId: 'sluice-cli',
    logger: { debug: quiet, info: quiet, warn: write('warn'), error: write('error') },
    logLevel: 'error',
    security: kafkaSecurityFromEnv(env),
  });
  const pool = createPool(env.DATABASE_URL || DEFAULT_DATABASE_URL, { max: 2, applicationName: 'sluice-dlq' });
  let producer: KafkaProducer | undefined;
  return {
    read: (dlqTopic, each) => readTopicToEnd(kafka, dlqTopic, (message) => each(readDlqEntry(message))),
    dispositions: ledgerHint(new DlqDispositionsRepository(pool)),
    async produce(batches) {
      if (producer === undefined) {
        // Replayed messages go back to Sluice's own topics, whose consumers take only what is signed with the services' key.
        producer = new KafkaProducer(kafka, { signer: new MessageSigner(env.SLUICE_INTERNAL_SIGNING_KEY || undefined) });
        await producer.connect();
      }
      await producer.sendBatch(batches);
    },
    out: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`sluice: ${line}\n`),
    async close() {
      await producer?.disconnect();
      await pool.end();
    },
  };
}
