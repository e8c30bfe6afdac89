import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Where an OAUTHBEARER token comes from: a file something else keeps fresh, or a command that prints one. */
export type TokenOrigin = { file: string } | { command: string };

/** A token a little before it expires is as good as expired: the broker may see it after the clock ticks over. */
const EXPIRY_MARGIN_MS = 30_000;
const COMMAND_TIMEOUT_MS = 30_000;
const MAX_TOKEN_BYTES = 64 * 1024;

/** The `exp` claim of a JWT in milliseconds, or undefined for a token that is not a JWT or has none. */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenSourceOptions {
  /** How long a token is reused before it is fetched again; a JWT is fetched again before its `exp` anyway. */
  refreshMs: number;
  now?: () => number;
}

/**
 * The token for each authentication: fetched on first use, then reused until `refreshMs` has passed
 * or it is about to expire, so the many connections of a process do not each run the command.
 * Concurrent callers share one fetch; a failed fetch is not kept, so the next authentication tries again.
 */
export function cachedTokenSource(fetch: () => Promise<string>, options: TokenSourceOptions): () => Promise<string> {
  const now = options.now ?? Date.now;
  let current: { token: string; freshUntil: number } | undefined;
  let fetching: Promise<string> | undefined;
  return () => {
    if (current !== undefined && now() < current.freshUntil) return Promise.resolve(current.token);
    fetching ??= fetch()
      .then((token) => {
        const fetchedAt = now();
        const expiry = jwtExpiryMs(token);
        current = { token, freshUntil: Math.min(fetchedAt + options.refreshMs, expiry === undefined ? Infinity : expiry - EXPIRY_MARGIN_MS) };
        return token;
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };
}

function nonEmpty(token: string, from: string): string {
  const trimmed = token.trim();
  if (trimmed === '') throw new Error(`${from} gave an empty OAUTHBEARER token`);
  return trimmed;
}

async function readTokenFile(file: string): Promise<string> {
  const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the OAUTHBEARER token file ${file}: ${error.code ?? error.message}`);
  });
  return nonEmpty(content, `the token file ${file}`);
}

// Through the shell, as the operator wrote it (`gcloud auth print-access-token`, a script with arguments).
// Its stderr is left out of the error: a token tool may print credentials there.
function runTokenCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: COMMAND_TIMEOUT_MS, maxBuffer: MAX_TOKEN_BYTES, encoding: 'utf8' }, (error, stdout) => {
      if (error) {
        const { code, signal, killed } = error as NodeJS.ErrnoException & { signal?: string; killed?: boolean };
        const how = killed ? `did not finish within ${COMMAND_TIMEOUT_MS} ms` : signal ? `was ended by ${signal}` : `exited with ${String(code)}`;
        reject(new Error(`the OAUTHBEARER token command ${how} (run it by hand to see why)`));
        return;
      }
      try {
        resolve(nonEmpty(stdout, 'the token command'));
      } catch (failure) {
        reject(failure as Error);
      }
    });
  });
}

/** A refreshing token source reading the file or running the command. */
export function oauthTokenSource(origin: TokenOrigin, options: TokenSourceOptions): () => Promise<string> {
  const fetch = 'file' in origin ? () => readTokenFile(origin.file) : () => runTokenCommand(origin.command);
  return cachedTokenSource(fetch, options);
}
