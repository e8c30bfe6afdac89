import { Topics } from '@sluice/contracts';
import { randomGroupId } from '@sluice/testing';
import { Kafka, logLevel } from 'kafkajs';
import { request as httpRequest } from 'node:http';
import { ArrivalLedger } from '../throughput/arrival.ledger';
import { EMBEDDING_DEADLINE_MS, indexOf, plannedRequest, requestId } from '../throughput/throughput.plan';
import { KeyedReader } from '../support/keyed.reader';
import { produceFast } from '../support/fast.producer';
import { loadTrace } from '../workload/trace.files';
import { embeddingBody } from '../workload/trace.requests';
import type { TraceRow } from '../workload/trace.rows';
import type { DisturbanceConfig, DisturbanceReport } from './isolation.plan';
import { kafkaJsSecurityFromEnv } from '../../scripts/stack/kafka/kafka.security';

/**
 * The isolation benchmark's load generator, in a process of its own so that producing or uploading
 * as fast as it can never delays the measuring loop's sends and reads. Given a DisturbanceConfig as
 * JSON in argv[2], it reads sluice.lane.batch.v1 from its end, then either uploads `count` embedding
 * lines with POST /v1/jobs (mode job) or produces `count` embedding requests with 48 h deadlines to
 * sluice.requests.bulk.v1 (mode bulk), and prints a DisturbanceReport line every second until every
 * id is on the lane topic. Stops on SIGTERM.
 */
async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as DisturbanceConfig;
  const rows: readonly TraceRow[] = loadTrace().rows;
  const kafka = new Kafka({
    clientId: `bench-disturbance-${config.runId}`,
    brokers: config.brokers.split(','),
    logLevel: logLevel.NOTHING,
    ...kafkaJsSecurityFromEnv(),
  });
  const ledger = new ArrivalLedger(config.count);
  const report: DisturbanceReport = { sent: 0, onLane: 0, done: false };
  const print = (): void => {
    report.onLane = ledger.arrived;
    report.done = ledger.complete;
    process.stdout.write(`${JSON.stringify(report)}\n`);
  };
  const reader = await KeyedReader.open(kafka, {
    groupId: randomGroupId('bench-disturbance'),
    topics: [Topics.LaneBatch],
    fromEnd: true,
    keyPrefix: `${config.runId}-`,
    onMessage: (message) => ledger.record(indexOf(config.runId, message.key), message.topic, message.readAt),
  });
  const ticker = setInterval(print, 1_000);
  let stopUpload = (): void => undefined;
  const stop = async (): Promise<void> => {
    clearInterval(ticker);
    stopUpload();
    await reader.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.stdout.write('ready\n');

  if (config.mode === 'bulk') {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await produceFast(producer, Topics.RequestsBulk, config.count, (index) => plannedRequest(config.runId, config.tenant, index, rows, 0, Date.now()), {
      chunk: 100,
      concurrency: 8,
      onAcknowledged: (total) => (report.sent = total),
    });
    await producer.disconnect();
  } else {
    const url = new URL(`/v1/jobs?id=${config.runId}&deadline=${EMBEDDING_DEADLINE_MS / 3_600_000}h`, config.url);
    const upload = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/x-ndjson' } });
    stopUpload = () => upload.destroy();
    const answered = new Promise<string>((resolve, reject) => {
      // `on`, not `once`: a destroyed upload (the window ran out) may report more than one error, and an
      // unheard one would end this process with a stack trace instead of its last report.
      upload.on('error', reject);
      upload.once('response', (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.once('end', () => resolve(`${response.statusCode} ${body.slice(0, 300)}`));
      });
    });
    // Read once the lines are written; a failure before that (the upload cut off) must not end the process unread.
    answered.catch(() => undefined);
    for (let index = 0; index < config.count; index += 1) {
      const id = requestId(config.runId, index);
      const line = `${JSON.stringify({ id, provider: 'openai', operation: 'embedding', body: embeddingBody(rows[index % rows.length] as TraceRow, id) })}\n`;
      report.sent = index + 1;
      if (!upload.write(line)) await new Promise<void>((resolve) => upload.once('drain', () => resolve()));
    }
    upload.end();
    report.answer = await answered.catch((error: Error) => `failed: ${error.message}`);
  }
  print();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
