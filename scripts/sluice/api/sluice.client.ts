/**
 * The parts of the ingestion HTTP API the CLI uses, as the API answers them (see /openapi.json).
 * The CLI is a client like any other: it knows the API's JSON, not the service's classes.
 */

export interface LineError {
  line: number;
  id: string;
  code: string;
  message: string;
  field: string;
}

export interface JobReceipt {
  id: string;
  status: string;
  created: boolean;
  lines: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  errors: LineError[];
}

export interface RequestCounts {
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
}

export interface JobView {
  id: string;
  status: 'receiving' | 'interrupted' | 'running' | 'completed';
  lines: number;
  invalid: number;
  progress: RequestCounts & { unrouted: number; fraction: number; lanes: Record<string, RequestCounts> };
}

/** What the CLI asks of a job: its id and the defaults for lines that leave them out. */
export interface JobOptions {
  id: string;
  deadline?: string;
  mode?: string;
  provider?: string;
  operation?: string;
}

/** A failure the user can act on; its message says what happened and, where it can, what to do. */
export class CliError extends Error {}

type Fetch = typeof fetch;

async function problemOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string } };
    if (body.error?.message !== undefined) {
      const field = body.error.field ? ` (field ${body.error.field})` : '';
      return `${response.status} ${body.error.code ?? ''}: ${body.error.message}${field}`;
    }
  } catch {
    // Not Sluice's error body (a proxy's page, say): its start tells more than nothing.
  }
  return `${response.status} ${response.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
}

export class SluiceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    private readonly fetchImpl: Fetch = fetch,
  ) {}

  /** The job, or undefined when the key's tenant has no job with this id. */
  async getJob(id: string): Promise<JobView | undefined> {
    const response = await this.call('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    await this.ensureOk(response, `GET /v1/jobs/${id}`);
    return (await response.json()) as JobView;
  }

  /** Uploads the lines as the job; resolves once the service has read them all. */
  async submitJob(options: JobOptions, body: AsyncIterable<Uint8Array>): Promise<JobReceipt> {
    const query = new URLSearchParams(Object.entries(options).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const response = await this.call('POST', `/v1/jobs?${query.toString()}`, { 'content-type': 'application/x-ndjson' }, body);
    await this.ensureOk(response, 'POST /v1/jobs');
    return (await response.json()) as JobReceipt;
  }

  /** The job's delivered results as a JSONL byte stream. */
  async results(id: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.call('GET', `/v1/jobs/${encodeURIComponent(id)}/results`);
    await this.ensureOk(response, `GET /v1/jobs/${id}/results`);
    // Node's web streams are async iterables, which the DOM-less lib types do not say.
    return (response.body ?? new Blob([]).stream()) as unknown as AsyncIterable<Uint8Array>;
  }

  private async call(method: string, path: string, headers: Record<string, string> = {}, body?: AsyncIterable<Uint8Array>): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...headers },
        ...(body !== undefined && { body: body as unknown as RequestInit['body'], duplex: 'half' }),
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      throw new CliError(`cannot reach Sluice at ${this.baseUrl} (${reason}); is ingestion running (npm run up), and is --url right?`);
    }
  }

  private async ensureOk(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    const problem = await problemOf(response);
    const hint = response.status === 401 ? ' (check --key or SLUICE_API_KEY)' : '';
    throw new CliError(`${what} answered ${problem}${hint}`);
  }
}
