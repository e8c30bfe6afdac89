import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface SluiceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx sluice ...` from the repository root, as a user runs it after npm ci. */
export function sluice(args: string[], env: Record<string, string> = {}): { done: Promise<SluiceRun>; exited: () => boolean } {
  const child = spawn('npx', ['--offline', 'sluice', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_API_KEY: '', SLUICE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<SluiceRun>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      exited = true;
      resolveRun({ code, stdout, stderr });
    });
  });
  return { done, exited: () => exited };
}
