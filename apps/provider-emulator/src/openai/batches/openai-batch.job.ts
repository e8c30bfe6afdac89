import type { ModelPrice } from '@sluice/providers';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Aborted, sleep } from '../../batch/abortable.sleep';
import { executeLines, LineHandler, Outcome, skipRemaining, SkipReason } from '../../batch/batch.execution';
import { JsonlWriter } from '../../batch/jsonl.writer';
import { LineReader } from '../../batch/line.reader';
import type { BillingLedger } from '../../billing/billing.ledger';
import type { FaultInjector } from '../../faults/fault.injector';
import { EmulatorError, openaiErrorBody, serverError } from '../../http/emulator.error';
import { ids, unixSeconds } from '../../http/request.ids';
import { drawTurnaroundMs } from '../../profiles/behaviour.profile';
import type { ProfileRegistry } from '../../profiles/profile.registry';
import { unitOf } from '../../synth/deterministic.random';
import { chatCompletionBody, parseChatRequest, planChat } from '../chat/chat-completion.builder';
import { embeddingResponseJson, parseEmbeddingRequest } from '../embeddings/embeddings.builder';
import type { FileStore, StoredFile } from '../files/file.store';
import { BatchError, validateBatchInput } from './openai-batch.validator';

export type OpenAIBatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface OpenAIBatchDeps {
  files: FileStore;
  billing: BillingLedger;
  profiles: ProfileRegistry;
  faults: FaultInjector;
  logger: Logger;
  workDir: string;
}

export interface OpenAIBatchRequest {
  apiKey: string;
  input: StoredFile;
  endpoint: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  ordinal: number;
}

const SKIP_MESSAGES: Record<SkipReason, { code: string; message: string }> = {
  expired: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
  cancelled: { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' },
};

/**
 * One OpenAI batch: validating → in_progress → finalizing → completed, or failed / expired /
 * cancelling → cancelled. Lines are read from the input file and answered into the output and
 * error files as the batch progresses; nothing holds more than one line at a time.
 */
export class OpenAIBatchJob {
  readonly id = ids.batch();
  readonly createdAt = Date.now();
  status: OpenAIBatchStatus = 'validating';
  private model: string | null = null;
  private price: ModelPrice | null = null;
  private errors: BatchError[] | null = null;
  private readonly at: Partial<Record<OpenAIBatchStatus, number>> = {};
  private readonly expiresAt: number;
  private readonly counts = { total: 0, completed: 0, failed: 0 };
  private readonly usage = { input: 0, output: 0 };
  private outputFileId: string | null = null;
  private errorFileId: string | null = null;
  private cancelRequested = false;
  private readonly abort = new AbortController();
  private readonly output: JsonlWriter;
  private readonly errorOutput: JsonlWriter;

  constructor(
    private readonly request: OpenAIBatchRequest,
    private readonly deps: OpenAIBatchDeps,
  ) {
    const window = deps.profiles.defaultProfile().batch.completionWindowMs;
    this.expiresAt = this.createdAt + window;
    this.output = new JsonlWriter(join(deps.workDir, `${this.id}_output.jsonl`));
    this.errorOutput = new JsonlWriter(join(deps.workDir, `${this.id}_error.jsonl`));
  }

  get apiKey(): string {
    return this.request.apiKey;
  }

  /** Moves a running batch to `cancelling`; false when it can no longer be cancelled. */
  requestCancel(): boolean {
    if (this.status !== 'validating' && this.status !== 'in_progress') return this.status === 'cancelling';
    this.cancelRequested = true;
    this.enter('cancelling');
    return true;
  }

  stop(): void {
    this.abort.abort();
    this.output.destroy();
    this.errorOutput.destroy();
  }

  async run(): Promise<void> {
    const { logger } = this.deps;
    const signal = this.abort.signal;
    try {
      const validation = await validateBatchInput(
        this.request.input.path,
        this.request.endpoint,
        this.request.input.bytes,
        (model) => this.deps.profiles.forModel(model),
        signal,
      );
      this.model = validation.model;
      this.price = validation.price;
      const profile = this.price ? this.deps.profiles.forModel(this.price.model) : this.deps.profiles.defaultProfile();
      await sleep(profile.batch.validationMs, signal);
      if (validation.errors.length > 0) {
        this.errors = validation.errors;
        this.enter('failed');
        logger.info({ batchId: this.id, errors: validation.errors.length }, 'openai batch failed validation');
        return;
      }
      this.counts.total = validation.total;
      if (!this.cancelRequested) this.enter('in_progress');
      const seed = this.deps.profiles.getSeed();
      const turnaroundMs = drawTurnaroundMs(profile.batch.turnaround, validation.total, unitOf(seed, 'turnaround', this.request.ordinal));
      const reader = await LineReader.open(this.request.input.path);
      try {
        const handler = this.lineHandler(profile.faults.batchLineErrorRate, seed);
        const outcome: Outcome = await executeLines(
          reader,
          handler,
          {
            total: validation.total,
            startedAt: Date.now(),
            turnaroundMs,
            deadlineAt: this.expiresAt,
            expireAfterLines: profile.faults.forceExpire ? Math.floor(validation.total * profile.faults.expireAfterFraction) : null,
          },
          () => this.cancelRequested,
          signal,
        );
        if (outcome === 'completed') {
          this.enter('finalizing');
          await this.closeOutputs();
          await sleep(profile.batch.finalizingMs, signal);
          this.enter('completed');
        } else {
          if (outcome === 'cancelled') await sleep(profile.batch.cancellingMs, signal);
          await skipRemaining(reader, handler, outcome, signal);
          await this.closeOutputs();
          this.enter(outcome);
        }
        logger.info({ batchId: this.id, status: this.status, ...this.counts }, 'openai batch ended');
      } finally {
        await reader.close();
      }
    } catch (error) {
      // Whatever fails once the job was stopped (reset, shutdown) is a consequence of the stop.
      if (error instanceof Aborted || signal.aborted) return;
      logger.error({ err: error, batchId: this.id }, 'openai batch crashed');
      this.errors = [{ code: 'internal_error', message: 'The emulator failed while running this batch.', param: null, line: null }];
      this.enter('failed');
    }
  }

  toObject(): Record<string, unknown> {
    const seconds = (status: OpenAIBatchStatus): number | null => {
      const ms = this.at[status];
      return ms === undefined ? null : unixSeconds(ms);
    };
    return {
      id: this.id,
      object: 'batch',
      endpoint: this.request.endpoint,
      model: this.model,
      errors: this.errors && { object: 'list', data: this.errors },
      input_file_id: this.request.input.id,
      completion_window: this.request.completionWindow,
      status: this.status,
      output_file_id: this.outputFileId,
      error_file_id: this.errorFileId,
      created_at: unixSeconds(this.createdAt),
      in_progress_at: seconds('in_progress'),
      expires_at: unixSeconds(this.expiresAt),
      finalizing_at: seconds('finalizing'),
      completed_at: seconds('completed'),
      failed_at: seconds('failed'),
      expired_at: seconds('expired'),
      cancelling_at: seconds('cancelling'),
      cancelled_at: seconds('cancelled'),
      request_counts: { ...this.counts },
      usage: {
        input_tokens: this.usage.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: this.usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: this.usage.input + this.usage.output,
      },
      metadata: this.request.metadata,
    };
  }

  private enter(status: OpenAIBatchStatus): void {
    this.status = status;
    this.at[status] = Date.now();
  }

  /** Output files appear (with their ids on the batch) only once they are complete. */
  private async closeOutputs(): Promise<void> {
    await this.output.close();
    await this.errorOutput.close();
    const register = (writer: JsonlWriter, kind: 'output' | 'error'): string | null => {
      if (writer.lines === 0) return null;
      return this.deps.files.add({
        id: ids.file(),
        bytes: writer.bytes,
        filename: `${this.id}_${kind}.jsonl`,
        purpose: 'batch_output',
        path: writer.path,
      }).id;
    };
    this.outputFileId = register(this.output, 'output');
    this.errorFileId = register(this.errorOutput, 'error');
  }

  private lineHandler(lineErrorRate: number, seed: number): LineHandler {
    const endpoint = this.request.endpoint;
    const model = this.price?.model ?? '';
    return {
      run: (text) => {
        const line = JSON.parse(text) as { custom_id: string; body: Record<string, unknown> };
        const requestId = ids.request();
        try {
          if (this.deps.faults.lineFails(model, line.custom_id, lineErrorRate, seed)) throw serverError();
          const { json, inputTokens, outputTokens, price } = this.answer(endpoint, line.body);
          this.counts.completed += 1;
          this.usage.input += inputTokens;
          this.usage.output += outputTokens;
          this.deps.billing.record({
            apiKey: this.request.apiKey,
            price,
            tier: 'batch',
            kind: 'batch_line',
            requestId,
            batchId: this.id,
            customId: line.custom_id,
            inputTokens,
            outputTokens,
          });
          return this.output.write(resultLine(line.custom_id, 200, requestId, json));
        } catch (error) {
          if (!(error instanceof EmulatorError)) throw error;
          this.counts.failed += 1;
          return this.errorOutput.write(resultLine(line.custom_id, error.status, requestId, JSON.stringify(openaiErrorBody(error.spec))));
        }
      },
      skip: (text, reason) => {
        const { custom_id: customId } = JSON.parse(text) as { custom_id: string };
        this.counts.failed += 1;
        return this.errorOutput.write(
          `{"id":"${ids.batchRequest()}","custom_id":${JSON.stringify(customId)},"response":null,"error":${JSON.stringify(SKIP_MESSAGES[reason])}}`,
        );
      },
    };
  }

  private answer(endpoint: string, body: Record<string, unknown>): { json: string; inputTokens: number; outputTokens: number; price: ModelPrice } {
    if (endpoint === '/v1/embeddings') {
      const plan = parseEmbeddingRequest(body, (model) => this.deps.profiles.forModel(model).embeddingDimensions);
      return { json: embeddingResponseJson(plan), inputTokens: plan.promptTokens, outputTokens: 0, price: plan.price };
    }
    const request = parseChatRequest({ ...body, stream: false, stream_options: undefined });
    const plan = planChat(request, this.deps.profiles.forModel(request.price.model).output);
    const response = { ...chatCompletionBody(plan, ids.chatCompletion(), unixSeconds()), service_tier: 'default' };
    return { json: JSON.stringify(response), inputTokens: plan.promptTokens, outputTokens: plan.completionTokens, price: plan.price };
  }
}

/** A line of the output or error file (§1.4): the response the endpoint would have given. */
function resultLine(customId: string, status: number, requestId: string, bodyJson: string): string {
  return `{"id":"${ids.batchRequest()}","custom_id":${JSON.stringify(customId)},"response":{"status_code":${status},"request_id":"${requestId}","body":${bodyJson}},"error":null}`;
}
