/**
 * Provider emulator throughput against a bare node:http server on the same machine, in one run.
 *
 *   npx tsx bench/emulator.bench.ts [--seconds 5] [--rounds 3] [--connections 32]
 *
 * Each target runs in its own process; the load comes from a third one: `wrk` when it is installed
 * (apt-get install wrk), else a keep-alive node:http load loop (this file started with --load), which
 * saturates sooner, so only ratios from the same tool compare. Rounds alternate targets so that noise
 * from other work on the machine falls on all of them; the median of the rounds is reported. Results
 * go to bench/results/emulator.json.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

interface Scenario {
  name: string;
  target: 'baseline' | 'emulator';
  path: string;
  body: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'baseline', target: 'baseline', path: '/v1/chat/completions', body: '{"model":"gpt-4o-mini","messages":[]}' },
  {
    name: 'chat',
    target: 'emulator',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Give me a one-line summary of the news.' }] }),
  },
  {
    name: 'chat_stream',
    target: 'emulator',
    path: '/v1/chat/completions',
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Give me a one-line summary of the news.' }],
    }),
  },
  {
    name: 'embeddings',
    target: 'emulator',
    path: '/v1/embeddings',
    // base64 is what the OpenAI SDK asks for when the caller does not choose.
    body: JSON.stringify({ model: 'text-embedding-3-small', input: 'a sentence to embed for the benchmark', encoding_format: 'base64' }),
  },
];

// A fixed chat completion, answered as fast as node:http can: the ceiling for any HTTP server here.
const BASELINE_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'the and for you are its not but', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 16, completion_tokens: 8, total_tokens: 24 } });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function runWrk(url: string, scenario: Scenario, seconds: number, connections: number, scratch: string): number {
  const script = join(scratch, `${scenario.name}.lua`);
  writeFileSync(
    script,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(scenario.body)}`,
      'wrk.headers["Content-Type"] = "application/json"',
      'wrk.headers["Authorization"] = "Bearer sk-bench"',
    ].join('\n'),
  );
  const output = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { encoding: 'utf8' });
  const failures = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (failures) throw new Error(`${scenario.name}: ${failures[1]} failed responses`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!rps) throw new Error(`cannot read wrk output:\n${output}`);
  return Number(rps[1]);
}

function runNodeLoad(url: string, scenario: Scenario, seconds: number, connections: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--load', url, scenario.body, String(connections), String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      const { rps, failures } = JSON.parse(out) as { rps: number; failures: number };
      if (failures > 0) return reject(new Error(`${scenario.name}: ${failures} failed responses`));
      resolve(rps);
    });
  });
}

/** The fallback load generator: `connections` keep-alive loops posting the body until time is up. */
async function loadLoop(url: string, body: string, connections: number, seconds: number): Promise<void> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) < 300) done += 1;
            else failures += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failures += 1;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  agent.destroy();
  process.stdout.write(JSON.stringify({ rps: done / ((Date.now() - started) / 1000), failures }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const seconds = flag('seconds', 5);
  const rounds = flag('rounds', 3);
  const connections = flag('connections', 32);
  const tool = hasWrk() ? 'wrk' : 'node-http-keepalive';
  const scratch = mkdtempSync(join(tmpdir(), 'emulator-bench-'));
  const [baselinePort, emulatorPort] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  try {
    children.push(spawn(process.execPath, ['-e', BASELINE_SERVER], { env: { ...process.env, PORT: String(baselinePort) }, stdio: 'inherit' }));
    children.push(
      spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../scripts/emulator/run-emulator.ts')], {
        env: { ...process.env, EMULATOR_PORT: String(emulatorPort), EMULATOR_DATA_DIR: join(scratch, 'data'), LOG_LEVEL: 'warn' },
        stdio: 'inherit',
      }),
    );
    const base = { baseline: `http://127.0.0.1:${baselinePort}`, emulator: `http://127.0.0.1:${emulatorPort}` };
    await waitForHttp(`${base.baseline}/`, 10_000);
    await waitForHttp(`${base.emulator}/health/ready`, 60_000);

    const run = (scenario: Scenario, duration: number): Promise<number> => {
      const url = `${base[scenario.target]}${scenario.path}`;
      return tool === 'wrk' ? Promise.resolve(runWrk(url, scenario, duration, connections, scratch)) : runNodeLoad(url, scenario, duration, connections);
    };
    // Warm-up: JIT and connection pools settle before anything is measured.
    for (const scenario of SCENARIOS) await run(scenario, 2);

    const samples: Record<string, number[]> = Object.fromEntries(SCENARIOS.map((scenario) => [scenario.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const scenario of SCENARIOS) {
        const rps = await run(scenario, seconds);
        samples[scenario.name]?.push(Math.round(rps));
        process.stderr.write(`round ${round + 1} ${scenario.name}: ${Math.round(rps)} req/s\n`);
      }
    }
    const baseline = median(samples.baseline ?? []);
    const results = Object.fromEntries(
      SCENARIOS.map((scenario) => {
        const rps = median(samples[scenario.name] ?? []);
        return [scenario.name, { medianRps: rps, samples: samples[scenario.name], ratioToBaseline: Number((rps / baseline).toFixed(3)) }];
      }),
    );
    const report = {
      bench: 'provider-emulator',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      load: { tool, connections, secondsPerRun: seconds, rounds },
      baseline: 'bare node:http server answering a fixed chat completion JSON',
      emulator: 'NestJS 11 + Fastify, zero-latency default profile, one process',
      results,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'emulator.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await Promise.all(children.map(stop));
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  const [url, body, connections, seconds] = process.argv.slice(3);
  void loadLoop(url as string, body as string, Number(connections), Number(seconds));
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
