import type { SubmitOptions } from '../cli/sluice.args';
import { CliError, JobOptions, JobReceipt, JobView, SluiceClient } from '../api/sluice.client';
import { derivedJobId, describeOutcome, describeReceipt, exitCodeFor, isFinished, needsUpload } from './job.progress';

/** The file system as the command needs it. */
export interface SubmitFiles {
  /** sha256 of the file's bytes, read as a stream. */
  digest(path: string): Promise<string>;
  size(path: string): Promise<number>;
  /** The file's bytes, reporting each chunk's size as it is read. */
  read(path: string, onBytes: (bytes: number) => void): AsyncIterable<Uint8Array>;
  /** Writes the stream to `path` (whole or not at all); resolves with the number of lines written. */
  writeLines(path: string, lines: AsyncIterable<Uint8Array>): Promise<number>;
}

/** What the person watching sees. */
export interface SubmitDisplay {
  uploadStarted(totalBytes: number): void;
  uploaded(bytes: number): void;
  uploadDone(): void;
  following(view: JobView): void;
  followDone(): void;
  note(line: string): void;
}

export interface SubmitPorts {
  client: Pick<SluiceClient, 'getJob' | 'submitJob' | 'results'>;
  files: SubmitFiles;
  display: SubmitDisplay;
  sleep(ms: number): Promise<void>;
}

/**
 * `sluice submit`: names the job after the file and options (unless told its id), uploads it unless
 * the service has it already, follows its progress until every request is answered, and writes the
 * results. Returns the exit status.
 */
export async function submitJob(options: SubmitOptions, ports: SubmitPorts): Promise<number> {
  const { client, files, display } = ports;
  const defaults = { deadline: options.deadline, mode: options.mode, provider: options.provider, operation: options.operation };
  const id = options.jobId ?? derivedJobId(await files.digest(options.file), defaults);
  const job: JobOptions = { id, ...defaults };

  const existing = await client.getJob(id);
  if (needsUpload(existing)) {
    const receipt = await upload(options.file, job, ports);
    for (const line of describeReceipt(receipt)) display.note(line);
  } else {
    display.note(`job ${id} was uploaded before: following it (nothing is submitted again)`);
  }
  const uploaded = needsUpload(existing) ? await client.getJob(id) : existing;
  if (uploaded === undefined) throw new CliError(`job ${id} was accepted but cannot be read back`);

  const view = await follow(uploaded, ports, options.pollMs);
  const written = await files.writeLines(options.out, await client.results(id));
  display.note(describeOutcome(view, options.out, written));
  return exitCodeFor(view);
}

async function upload(file: string, job: JobOptions, ports: SubmitPorts): Promise<JobReceipt> {
  const { client, files, display } = ports;
  display.uploadStarted(await files.size(file));
  try {
    return await client.submitJob(
      job,
      files.read(file, (bytes) => display.uploaded(bytes)),
    );
  } finally {
    display.uploadDone();
  }
}

async function follow(first: JobView, ports: SubmitPorts, pollMs: number): Promise<JobView> {
  const { client, display } = ports;
  let view = first;
  try {
    for (;;) {
      display.following(view);
      if (isFinished(view)) return view;
      if (view.status === 'interrupted') {
        throw new CliError(`the upload of job ${view.id} broke off; run the same command again to complete it (nothing is submitted twice)`);
      }
      await ports.sleep(pollMs);
      const next = await client.getJob(view.id);
      if (next === undefined) throw new CliError(`job ${view.id} disappeared while it was followed`);
      view = next;
    }
  } finally {
    display.followDone();
  }
}
