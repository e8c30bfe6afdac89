import { Topics } from '@sluice/contracts';
import { REPLAYED_FROM_HEADER } from '@sluice/kafka';
import { randomTenant } from '@sluice/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { EMBEDDING_MODEL, SluiceHarness, chatRequest, embeddingRequest, newRequestId } from './support';
import { consoleAs, inPage, launchChromium, show } from './support/console.browser';

const MINUTE = 60_000;
// The lifecycle events the ledger keeps the times of: the console's timeline must show them in the order they were published.
const RECORDED_EVENTS = new Set(['accepted', 'routed', 'batched', 'submitted', 'escalated', 'completed', 'failed']);

/**
 * The operator console in headless Chromium against the five services, the emulator, the broker and
 * the database: what it shows is what the ledger holds, it moves without reloading, it keeps tenants
 * apart, and an operator replays a dead letter from it. Screenshots of each page go to
 * CONSOLE_SCREENSHOTS_DIR (docs/console holds the committed ones), else to the run's folder.
 */
describe('the console in a browser', () => {
  let h: SluiceHarness;
  let browser: Browser;
  let screenshots: string;
  const operatorTenant = randomTenant('ops');

  beforeAll(async () => {
    h = await SluiceHarness.start({
      name: 'console',
      env: {
        ingestion: { INGESTION_CONSOLE_OPERATOR_TENANTS: operatorTenant },
        // A window open for a few seconds, then a batch the emulator answers in about one: the progress bar is seen at 0 first.
        'batch-aggregator': { BATCH_WINDOW_MAX_AGE_MS: '6000', BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000' },
      },
    });
    browser = await launchChromium();
    screenshots = resolve(process.env.CONSOLE_SCREENSHOTS_DIR ?? join(h.runDir, 'console'));
    mkdirSync(screenshots, { recursive: true });
  }, 20 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  }, 60_000);

  const url = () => h.service('ingestion').url;
  const snap = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

  async function completedInLedger(tenant: string, count: number): Promise<void> {
    await h.waitFor(
      async () => {
        const { rows } = await h.ledger.pool.query<{ n: number }>('select count(*)::int as n from completions where tenant = $1', [tenant]);
        return rows[0].n === count;
      },
      { timeoutMs: 3 * MINUTE, description: `${count} completions of ${tenant} in the ledger` },
    );
  }

  /** What a batch row shows: its state and its progress bar. */
  function batchRows(page: Page): Promise<Array<{ id: string; state: string; value: number; max: number }>> {
    return inPage(
      page,
      `[...document.querySelectorAll('[data-testid=batches] tr[data-batch]')].map((row) => {
        const bar = row.querySelector('progress');
        return { id: row.getAttribute('data-batch'), state: row.getAttribute('data-state'), value: bar.value, max: bar.max };
      })`,
    );
  }

  it(
    "shows a tenant its batch's progress bar moving to done, the ledger's own totals, and each request's events in order, and nothing of another tenant",
    async () => {
      const tenant = randomTenant('con');
      const other = randomTenant('oth');
      const key = await h.ledger.issueApiKey(tenant);
      const otherKey = await h.ledger.issueApiKey(other);
      const page = await consoleAs(browser, url(), key);

      await show(page, '#/batches');
      await page.waitForSelector('[data-testid=batches]');
      const batched = Array.from({ length: 8 }, (_, i) => embeddingRequest(tenant, 60 * MINUTE, { input: `console document ${i} ${newRequestId()}` }));
      const realtime = Array.from({ length: 3 }, () => chatRequest(tenant, { outputTokens: 5, extra: { metadata: { team: 'console-e2e', run: h.runId } } }));
      const theirs = chatRequest(other, { outputTokens: 5 });
      await h.produce([...batched, ...realtime, theirs]);

      // The window is recorded as an open batch with nothing answered, then submitted, then answered: seen without reloading.
      const early = await h.waitFor(async () => (await batchRows(page)).find((row) => row.max === batched.length), {
        timeoutMs: MINUTE,
        description: "the tenant's batch on the batches page",
      });
      expect(early.value).toBeLessThan(early.max);
      await page.screenshot({ path: join(screenshots, 'batches-open.png') });
      const done = await h.waitFor(
        async () => (await batchRows(page)).find((row) => row.id === early.id && row.state === 'completed' && row.value === row.max),
        { timeoutMs: 3 * MINUTE, description: `batch ${early.id} to show completed with a full progress bar` },
      );
      expect(done).toMatchObject({ max: batched.length, value: batched.length });
      const doneLines = (await page.textContent(`tr[data-batch="${early.id}"]`)) ?? '';
      expect(doneLines).toContain(`${batched.length}/${batched.length}`);
      await snap(page, 'batches');

      // Overview: the same totals as the ledger, read here with SQL of the test's own.
      await completedInLedger(tenant, batched.length + realtime.length);
      const { rows } = await h.ledger.pool.query<{ requests: number; cost: string; realtime: string }>(
        `select (select count(*)::int from completions where tenant = $1) as requests,
                (select coalesce(sum(cost_usd), 0) from request_results where tenant = $1)
                  + (select coalesce(sum(cost_usd), 0) from extra_spend where tenant = $1) as cost,
                (select coalesce(sum(realtime_cost_usd), 0) from completions where tenant = $1) as realtime`,
        [tenant],
      );
      const ledger = { requests: rows[0].requests, cost: Number(rows[0].cost), realtime: Number(rows[0].realtime) };
      expect(ledger.cost).toBeLessThan(ledger.realtime);
      await show(page, '#/overview');
      const figure = async (id: string) => Number(await inPage(page, `document.querySelector('[data-testid=${id}]').getAttribute('data-value')`));
      await h.waitFor(async () => (await page.$(`[data-testid=total-requests][data-value="${ledger.requests}"]`)) !== null, {
        timeoutMs: MINUTE,
        description: `the overview to show ${ledger.requests} requests`,
      });
      expect(await figure('total-cost')).toBeCloseTo(ledger.cost, 12);
      expect(await figure('total-realtime')).toBeCloseTo(ledger.realtime, 12);
      expect(await figure('total-saved')).toBeCloseTo(ledger.realtime - ledger.cost, 12);
      const tenantsShown = await inPage<string[]>(
        page,
        `[...document.querySelectorAll('[data-testid=attainment-tenants] tbody td:first-child')].map((cell) => cell.textContent)`,
      );
      expect(tenantsShown).toEqual([tenant]);
      await page.waitForSelector('[data-testid=lanes-chart] canvas');
      await snap(page, 'overview');

      // A batched request searched by id: its lifecycle in the order it was published.
      const one = batched[0];
      await show(page, '#/requests');
      await page.waitForSelector('form.search input[name=id]');
      await page.fill('form.search input[name=id]', one.id);
      await page.click('form.search button[type=submit]');
      await h.waitFor(async () => (await page.$$('[data-testid=requests] tbody tr')).length === 1, { timeoutMs: 30_000, description: 'one search hit' });
      await snap(page, 'requests');
      await page.click(`[data-testid=requests] a[href*="${one.id}"]`);
      await page.waitForSelector('[data-testid=timeline] li');
      const timeline = await inPage<string[]>(
        page,
        `[...document.querySelectorAll('[data-testid=timeline] li')].map((item) => item.getAttribute('data-type'))`,
      );
      // By first appearance: an event may be published again (a redelivered message), the ledger keeps one time per step.
      const published = [...new Set(h.eventTypes(tenant, one.id).filter((type) => RECORDED_EVENTS.has(type)))];
      expect(timeline.filter((type) => RECORDED_EVENTS.has(type))).toEqual(published);
      expect(published).toEqual(['accepted', 'routed', 'batched', 'submitted', 'completed']);
      expect(await page.textContent('[data-testid=result]')).toContain('"lane": "batch"');
      await snap(page, 'request');

      // Metadata search finds the realtime ones; another tenant's request is not found, however asked for.
      await show(page, `#/requests?meta=team%3Dconsole-e2e%2Crun%3D${encodeURIComponent(h.runId)}`);
      await h.waitFor(async () => (await page.$$('[data-testid=requests] tbody tr')).length === realtime.length, {
        timeoutMs: 30_000,
        description: 'the metadata search hits',
      });
      await h.awaitResult(other, theirs.id);
      await show(page, `#/requests?id=${theirs.id}`);
      await page.waitForSelector('[data-testid=requests]');
      expect(await page.$$('[data-testid=requests] tbody tr')).toHaveLength(0);
      await show(page, `#/request/${other}/${theirs.id}`);
      await page.waitForSelector('main p.error');
      expect(await page.textContent('main p.error')).toContain('not found');

      // The other tenant sees its own request and none of the first one's batches or costs.
      const otherPage = await consoleAs(browser, url(), otherKey);
      await show(otherPage, '#/batches');
      await otherPage.waitForSelector('[data-testid=batches]');
      expect(await batchRows(otherPage)).toEqual([]);
      await show(otherPage, '#/overview');
      await otherPage.waitForSelector('[data-testid=total-requests][data-value="1"]');
      await otherPage.close();
    },
    10 * MINUTE,
  );

  it(
    'lets an operator replay a dead letter back to its topic, and shows the jobs page',
    async () => {
      const operatorKey = await h.ledger.issueApiKey(operatorTenant);
      const deadKey = `console-dead-${newRequestId()}`;
      await h.produceRaw([{ key: deadKey, value: '{"this is": "not a request' }]);
      const dead = await h.waitFor(() => h.tap.on(Topics.Dlq).find((message) => message.key === deadKey), {
        timeoutMs: MINUTE,
        description: `the unreadable message on ${Topics.Dlq}`,
      });

      const page = await consoleAs(browser, url(), operatorKey);
      expect(await page.textContent('[data-testid=who]')).toContain('operator');
      await show(page, '#/dlq');
      const row = `[data-testid=dlq] tr[data-entry="${dead.partition}/${dead.offset}"]`;
      await page.waitForSelector(row, { timeout: 30_000 });
      expect(await page.textContent(row)).toContain(Topics.Requests);
      await snap(page, 'dead-letters');
      await page.click(`${row} button`);
      await h.waitFor(async () => (await page.textContent(`${row} [data-testid=disposition]`)) === 'replayed', {
        timeoutMs: 30_000,
        description: 'the entry to show replayed',
      });

      const replayed = await h.waitFor(
        () => h.tap.on(Topics.Requests).find((message) => message.key === deadKey && message.headers[REPLAYED_FROM_HEADER] !== undefined),
        { timeoutMs: MINUTE, description: `the replayed message back on ${Topics.Requests}` },
      );
      expect(replayed.headers[REPLAYED_FROM_HEADER]).toBe(`${Topics.Dlq}/${dead.partition}/${dead.offset}`);
      expect(replayed.raw).toBe(dead.raw);

      // A bulk job, for the jobs page.
      const tenant = randomTenant('job');
      const key = await h.ledger.issueApiKey(tenant);
      const lines = Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({ provider: 'openai', operation: 'embedding', body: { model: EMBEDDING_MODEL, input: `job line ${i}` } }),
      );
      const upload = await fetch(`${url()}/v1/jobs?deadline=1h`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      expect(upload.status).toBeLessThan(300);
      await completedInLedger(tenant, lines.length);
      await show(page, '#/jobs');
      await page.waitForSelector('[data-testid=jobs] tr[data-job]', { timeout: 30_000 });
      await h.waitFor(
        async () =>
          (await inPage<number[]>(page, `[...document.querySelectorAll('[data-testid=jobs] tr[data-job] progress')].map((bar) => bar.value)`)).includes(
            lines.length,
          ),
        { timeoutMs: MINUTE, description: "the job's progress bar to reach its lines" },
      );
      await page.click('[data-testid=jobs] tr[data-job] button');
      await page.waitForSelector('[data-testid=jobs] pre.output');
      await snap(page, 'jobs');
    },
    10 * MINUTE,
  );
});
