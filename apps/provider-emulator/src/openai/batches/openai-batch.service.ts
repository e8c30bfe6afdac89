import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { pageAfter } from '../../http/list.pagination';
import { parseMetadata } from './batch.metadata';
import { OpenAIBatchDeps, OpenAIBatchJob } from './openai-batch.job';

/** The endpoints a batch may target that the emulator serves. */
const SERVED_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings'];
/** In the spec's enum, but not emulated. */
const OTHER_ENDPOINTS = ['/v1/responses', '/v1/completions', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', '/v1/videos'];

export class OpenAIBatchService {
  private readonly jobs = new Map<string, OpenAIBatchJob>();
  private ordinal = 0;

  constructor(private readonly deps: OpenAIBatchDeps) {
    mkdirSync(deps.workDir, { recursive: true });
  }

  create(apiKey: string, body: unknown): OpenAIBatchJob {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidRequest('We could not parse the JSON body of your request. The body must be a JSON object.');
    }
    const b = body as Record<string, unknown>;
    for (const field of ['input_file_id', 'endpoint', 'completion_window']) {
      if (b[field] === undefined) throw invalidRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
      if (typeof b[field] !== 'string') throw invalidRequest(`Invalid type for '${field}': expected a string.`, field, 'invalid_type');
    }
    const endpoint = b.endpoint as string;
    if (!SERVED_ENDPOINTS.includes(endpoint)) {
      const why = OTHER_ENDPOINTS.includes(endpoint) ? 'is not served by the Sluice emulator' : 'is not a valid batch endpoint';
      throw invalidRequest(`Invalid value for 'endpoint': ${endpoint} ${why}.`, 'endpoint', 'invalid_value');
    }
    if (b.completion_window !== '24h') {
      throw invalidRequest("Invalid value for 'completion_window': only '24h' is supported.", 'completion_window', 'invalid_value');
    }
    const input = this.deps.files.get(b.input_file_id as string);
    if (!input) throw notFound(`No such File object: ${String(b.input_file_id)}`, null, 'input_file_id');
    if (input.purpose !== 'batch') {
      throw invalidRequest(`Invalid 'input_file_id': file ${input.id} was not uploaded with purpose 'batch'.`, 'input_file_id');
    }
    this.ordinal += 1;
    const job = new OpenAIBatchJob(
      {
        apiKey,
        input,
        endpoint,
        completionWindow: '24h',
        metadata: parseMetadata(b.metadata),
        ordinal: this.ordinal,
      },
      this.deps,
    );
    this.jobs.set(job.id, job);
    void job.run();
    return job;
  }

  get(id: string): OpenAIBatchJob {
    const job = this.jobs.get(id);
    if (!job) throw notFound(`No batch found with id '${id}'.`, null, 'batch_id');
    return job;
  }

  /** Newest first, as the API lists them. */
  list(after: string | undefined, limit: number): { page: OpenAIBatchJob[]; hasMore: boolean } {
    return pageAfter([...this.jobs.values()].reverse(), after, limit);
  }

  cancel(id: string): OpenAIBatchJob {
    const job = this.get(id);
    if (!job.requestCancel()) {
      throw invalidRequest(`Cannot cancel a batch with status '${job.status}'.`, null, 'batch_not_cancellable');
    }
    return job;
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
