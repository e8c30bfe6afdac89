import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonlWriter } from '../../batch/jsonl.writer';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { pageAfter, pageBefore } from '../../http/list.pagination';
import { findServedModel } from '../../models/model.catalog';
import type { ApiVersion } from '../messages/message.builder';
import { MessageBatchDeps, MessageBatchJob } from './message-batch.job';

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** Anthropic's per-batch request limit, used when the profile does not override it. */
export const ANTHROPIC_MAX_REQUESTS = 100_000;

export class MessageBatchService {
  private readonly jobs = new Map<string, MessageBatchJob>();
  private ordinal = 0;

  constructor(private readonly deps: MessageBatchDeps) {
    mkdirSync(deps.workDir, { recursive: true });
  }

  /**
   * Checks the batch's envelope (the request list and custom_ids) at once, as the API does;
   * each request's params are checked when it runs and fail as `errored` results.
   */
  async create(apiKey: string, version: ApiVersion, body: unknown): Promise<MessageBatchJob> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body is not valid JSON.');
    const requests = (body as Record<string, unknown>).requests;
    if (requests === undefined) throw invalidRequest('requests: Field required');
    if (!Array.isArray(requests)) throw invalidRequest('requests: Input should be a valid list');
    const max = this.deps.profiles.defaultProfile().batch.maxRequests ?? ANTHROPIC_MAX_REQUESTS;
    if (requests.length === 0) throw invalidRequest('requests: List should have at least 1 item after validation, not 0');
    if (requests.length > max) {
      throw invalidRequest(`requests: List should have at most ${max} items after validation, not ${requests.length}`);
    }
    const seen = new Set<string>();
    const models = new Set<string>();
    requests.forEach((request: unknown, index: number) => {
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        throw invalidRequest(`requests.${index}: Input should be a valid dictionary`);
      }
      const { custom_id: customId, params } = request as Record<string, unknown>;
      if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
        throw invalidRequest(`requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
      }
      if (seen.has(customId)) throw invalidRequest(`requests.${index}.custom_id: duplicate custom_id '${customId}' in this batch`);
      seen.add(customId);
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        throw invalidRequest(`requests.${index}.params: Field required`);
      }
      const model = (params as Record<string, unknown>).model;
      if (typeof model === 'string') models.add(findServedModel('anthropic', model)?.model ?? model);
    });
    for (const model of models) {
      if (this.deps.profiles.forModel(model).faults.forceValidationFailure) {
        throw invalidRequest(`Validation failure injected by the emulator profile of ${model}.`);
      }
    }

    this.ordinal += 1;
    const inputPath = join(this.deps.workDir, `requests-${this.ordinal}.jsonl`);
    const input = new JsonlWriter(inputPath);
    for (const request of requests as Array<{ custom_id: string; params: unknown }>) {
      await input.write(JSON.stringify({ custom_id: request.custom_id, params: request.params }));
    }
    await input.close();
    const job = new MessageBatchJob(
      {
        apiKey,
        version,
        inputPath,
        total: requests.length,
        model: models.size === 1 ? ([...models][0] as string) : null,
        ordinal: this.ordinal,
      },
      this.deps,
    );
    this.jobs.set(job.id, job);
    void job.run();
    return job;
  }

  get(id: string): MessageBatchJob {
    const job = this.jobs.get(id);
    if (!job) throw notFound(`message_batch_id: no batch with id ${id}`);
    return job;
  }

  /** Newest first; `after_id` pages towards older batches, `before_id` towards newer ones. */
  list(query: { afterId?: string; beforeId?: string; limit: number }): { page: MessageBatchJob[]; hasMore: boolean } {
    const newestFirst = [...this.jobs.values()].reverse();
    if (query.beforeId) return pageBefore(newestFirst, query.beforeId, query.limit);
    return pageAfter(newestFirst, query.afterId, query.limit);
  }

  cancel(id: string): MessageBatchJob {
    const job = this.get(id);
    job.requestCancel();
    return job;
  }

  async delete(id: string): Promise<void> {
    const job = this.get(id);
    if (!job.ended) {
      throw invalidRequest(`Message batch ${id} is still processing; a batch can only be deleted once it has ended. Cancel it first.`);
    }
    this.jobs.delete(id);
    await job.discard();
  }

  stopAll(): void {
    for (const job of this.jobs.values()) job.stop();
  }

  async reset(): Promise<void> {
    this.stopAll();
    this.jobs.clear();
    this.ordinal = 0;
    await rm(this.deps.workDir, { recursive: true, force: true });
    mkdirSync(this.deps.workDir, { recursive: true });
  }
}
