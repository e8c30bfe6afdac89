import { join } from 'node:path';
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Aborted, sleep } from '../../batch/abortable.sleep';
import { executeLines, LineHandler, skipRemaining } from '../../batch/batch.execution';
import { JsonlWriter } from '../../batch/jsonl.writer';
import { LineReader } from '../../batch/line.reader';
import type { BillingLedger } from '../../billing/billing.ledger';
import type { FaultInjector } from '../../faults/fault.injector';
import { anthropicErrorBody, EmulatorError, serverError } from '../../http/emulator.error';
import { ids } from '../../http/request.ids';
import { BehaviourProfile, drawTurnaroundMs } from '../../profiles/behaviour.profile';
import type { ProfileRegistry } from '../../profiles/profile.registry';
import { unitOf } from '../../synth/deterministic.random';
import { ApiVersion, messageBody, parseMessageRequest, planMessage } from '../messages/message.builder';

export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface MessageBatchDeps {
  billing: BillingLedger;
  profiles: ProfileRegistry;
  faults: FaultInjector;
  logger: Logger;
  workDir: string;
}

export interface MessageBatchRequest {
  apiKey: string;
  version: ApiVersion;
  /** JSONL of `{custom_id, params}`, written at creation so the requests need not stay in memory. */
  inputPath: string;
  total: number;
  /** The batch's model when all its requests share one: its profile paces the batch. */
  model: string | null;
  ordinal: number;
}

/**
 * One Anthropic message batch: in_progress → (canceling →) ended. Every request counts as
 * `processing` until the whole batch ends; results are written as they are produced but only
 * published (results_url) once it has.
 */
export class MessageBatchJob {
  readonly id = ids.messageBatch();
  readonly createdAt = Date.now();
  status: ProcessingStatus = 'in_progress';
  private readonly expiresAt: number;
  private endedAt: number | null = null;
  private cancelInitiatedAt: number | null = null;
  private readonly tally = { succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  private cancelRequested = false;
  private readonly abort = new AbortController();
  readonly results: JsonlWriter;

  constructor(
    private readonly request: MessageBatchRequest,
    private readonly deps: MessageBatchDeps,
  ) {
    this.expiresAt = this.createdAt + this.profile().batch.completionWindowMs;
    this.results = new JsonlWriter(join(deps.workDir, `${this.id}_results.jsonl`));
  }

  get ended(): boolean {
    return this.status === 'ended';
  }

  requestCancel(): void {
    if (this.status !== 'in_progress') return;
    this.cancelRequested = true;
    this.status = 'canceling';
    this.cancelInitiatedAt = Date.now();
  }

  stop(): void {
    this.abort.abort();
    this.results.destroy();
  }

  async discard(): Promise<void> {
    this.stop();
    await unlink(this.results.path).catch(() => undefined);
    await unlink(this.request.inputPath).catch(() => undefined);
  }

  async run(): Promise<void> {
    const signal = this.abort.signal;
    const profile = this.profile();
    const seed = this.deps.profiles.getSeed();
    let reader: LineReader | undefined;
    try {
      reader = await LineReader.open(this.request.inputPath);
      const handler = this.lineHandler(seed);
      const turnaroundMs = drawTurnaroundMs(profile.batch.turnaround, this.request.total, unitOf(seed, 'turnaround', this.request.ordinal));
      const outcome = await executeLines(
        reader,
        handler,
        {
          total: this.request.total,
          startedAt: Date.now(),
          turnaroundMs,
          deadlineAt: this.expiresAt,
          expireAfterLines: profile.faults.forceExpire ? Math.floor(this.request.total * profile.faults.expireAfterFraction) : null,
        },
        () => this.cancelRequested,
        signal,
      );
      if (outcome === 'cancelled') await sleep(profile.batch.cancellingMs, signal);
      if (outcome !== 'completed') await skipRemaining(reader, handler, outcome, signal);
      await this.results.close();
      if (outcome === 'completed') await sleep(profile.batch.finalizingMs, signal);
      this.status = 'ended';
      this.endedAt = Date.now();
      this.deps.logger.info({ batchId: this.id, outcome, ...this.tally }, 'anthropic message batch ended');
    } catch (error) {
      // Whatever fails once the job was stopped (reset, shutdown) is a consequence of the stop.
      if (error instanceof Aborted || signal.aborted) return;
      this.deps.logger.error({ err: error, batchId: this.id }, 'anthropic message batch crashed');
      this.status = 'ended';
      this.endedAt = Date.now();
    } finally {
      await reader?.close();
    }
  }

  toObject(baseUrl: string): Record<string, unknown> {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const counts = this.ended ? { processing: 0, ...this.tally } : { processing: this.request.total, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    return {
      id: this.id,
      type: 'message_batch',
      processing_status: this.status,
      request_counts: counts,
      ended_at: iso(this.endedAt),
      created_at: iso(this.createdAt),
      expires_at: iso(this.expiresAt),
      archived_at: null,
      cancel_initiated_at: iso(this.cancelInitiatedAt),
      results_url: this.ended ? `${baseUrl}/v1/messages/batches/${this.id}/results` : null,
    };
  }

  private profile(): BehaviourProfile {
    const { model } = this.request;
    return model === null ? this.deps.profiles.defaultProfile() : this.deps.profiles.forModel(model);
  }

  private lineHandler(seed: number): LineHandler {
    return {
      run: (text) => {
        const { custom_id: customId, params } = JSON.parse(text) as { custom_id: string; params: unknown };
        const requestId = ids.request();
        try {
          const request = parseMessageRequest(params, this.request.version, true);
          if ((params as Record<string, unknown>).stream === true) {
            throw new EmulatorError({ status: 400, message: 'stream: streaming is not supported in message batches' });
          }
          const profile = this.deps.profiles.forModel(request.price.model);
          if (this.deps.faults.lineFails(request.price.model, customId, profile.faults.batchLineErrorRate, seed)) throw serverError();
          const plan = planMessage(request, profile.output);
          this.tally.succeeded += 1;
          this.deps.billing.record({
            apiKey: this.request.apiKey,
            price: plan.price,
            tier: 'batch',
            kind: 'batch_line',
            requestId,
            batchId: this.id,
            customId,
            inputTokens: plan.inputTokens,
            outputTokens: plan.outputTokens,
          });
          const message = messageBody(plan, ids.message(), 'batch');
          return this.results.write(`{"custom_id":${JSON.stringify(customId)},"result":{"type":"succeeded","message":${JSON.stringify(message)}}}`);
        } catch (error) {
          if (!(error instanceof EmulatorError)) throw error;
          this.tally.errored += 1;
          const body = anthropicErrorBody(error.spec, requestId);
          return this.results.write(`{"custom_id":${JSON.stringify(customId)},"result":{"type":"errored","error":${JSON.stringify(body)}}}`);
        }
      },
      skip: (text, reason) => {
        const { custom_id: customId } = JSON.parse(text) as { custom_id: string };
        const type = reason === 'cancelled' ? 'canceled' : 'expired';
        this.tally[type] += 1;
        return this.results.write(`{"custom_id":${JSON.stringify(customId)},"result":{"type":"${type}"}}`);
      },
    };
  }
}
