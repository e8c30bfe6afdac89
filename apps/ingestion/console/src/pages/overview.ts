import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { TimeChart, Series } from '../chart';
import { percent, usd } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { Attainment, Overview } from '../types';

/** Every step from `first` to `last` (seconds), so a quiet minute or day shows as 0, not as a gap. */
function steps(first: number, last: number, step: number): number[] {
  const all: number[] = [];
  for (let at = first; at <= last; at += step) all.push(at);
  return all;
}

function laneSeries(overview: Overview): { x: number[]; series: Series[] } {
  const step = overview.series.bucketSeconds;
  const first = Math.ceil(Date.parse(overview.series.since) / 1000 / step) * step;
  const x = steps(first, Math.floor(Date.now() / 1000 / step) * step, step);
  const lanes = [...new Set(overview.series.buckets.map((bucket) => bucket.lane))].sort();
  const index = new Map(x.map((at, i) => [at, i]));
  const series = lanes.map((lane) => ({ label: lane, values: x.map(() => 0 as number | null) }));
  for (const bucket of overview.series.buckets) {
    const at = index.get(Date.parse(bucket.at) / 1000);
    if (at !== undefined) series[lanes.indexOf(bucket.lane)].values[at] = bucket.requests;
  }
  return { x, series };
}

function costSeries(overview: Overview): { x: number[]; series: Series[] } {
  const day = (text: string) => Date.parse(`${text}T00:00:00Z`) / 1000;
  const x = steps(day(overview.costs.from), day(overview.costs.to), 86_400);
  const byDay = new Map(overview.costs.days.map((one) => [day(one.day), one.total]));
  return {
    x,
    series: [
      { label: 'cost', values: x.map((at) => byDay.get(at)?.costUsd ?? 0) },
      { label: 'all realtime', values: x.map((at) => byDay.get(at)?.realtimeCostUsd ?? 0) },
    ],
  };
}

function AttainmentTable(props: { title: string; rows: Attainment[]; testId: string }) {
  return html`<section>
    <h3>${props.title}</h3>
    <table data-testid=${props.testId}>
      <thead>
        <tr>
          <th></th>
          <th>completed</th>
          <th>with deadline</th>
          <th>met</th>
          <th>attainment</th>
        </tr>
      </thead>
      <tbody>
        ${props.rows.map(
          (row) =>
            html`<tr>
              <td>${row.key}</td>
              <td>${row.completed}</td>
              <td>${row.withDeadline}</td>
              <td>${row.met}</td>
              <td>${percent(row.met, row.withDeadline)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** How much routing saved, whether deadlines are met, and what flows now. */
export function OverviewPage(props: { live: LiveState }) {
  const { data, error } = useLoad<Overview>('/overview', props.live.changes);
  const lanes = useMemo(() => (data ? laneSeries(data) : undefined), [data]);
  const costs = useMemo(() => (data ? costSeries(data) : undefined), [data]);
  if (data === undefined) return html`<p class=${error ? 'error' : ''}>${error ?? 'Loading…'}</p>`;
  const total = data.costs.total;
  return html`<div>
    ${error && html`<p class="error">${error}</p>`}
    <div class="cards">
      <div class="card"><span>requests completed</span><strong data-testid="total-requests" data-value=${total.requests}>${total.requests}</strong></div>
      <div class="card"><span>cost</span><strong data-testid="total-cost" data-value=${total.costUsd}>${usd(total.costUsd)}</strong></div>
      <div class="card">
        <span>all realtime would cost</span><strong data-testid="total-realtime" data-value=${total.realtimeCostUsd}>${usd(total.realtimeCostUsd)}</strong>
      </div>
      <div class="card">
        <span>saved</span><strong data-testid="total-saved" data-value=${total.savedUsd}>${usd(total.savedUsd)}</strong
        ><em>${percent(total.savedUsd, total.realtimeCostUsd)}</em>
      </div>
      <div class="card">
        <span>live rate</span><strong data-testid="live-rate">${props.live.rate.toFixed(1)}/s</strong><em>${props.live.connected ? 'live' : 'offline'}</em>
      </div>
    </div>
    <p class="muted">${data.costs.from} to ${data.costs.to} (UTC), ${data.scope.operator ? 'all tenants' : `tenant ${data.scope.tenant}`}</p>
    <div class="charts">
      ${lanes && html`<${TimeChart} title="Requests per lane (per minute, last 6 h)" testId="lanes-chart" x=${lanes.x} series=${lanes.series} />`}
      ${costs && html`<${TimeChart} title="Cost vs all realtime per day" testId="cost-chart" x=${costs.x} series=${costs.series} bars=${true} format=${usd} />`}
    </div>
    <section>
      <h3>Saving per day</h3>
      <table data-testid="days">
        <thead>
          <tr>
            <th>day</th>
            <th>requests</th>
            <th>cost</th>
            <th>all realtime</th>
            <th>saved</th>
          </tr>
        </thead>
        <tbody>
          ${data.costs.days.map(
            (day) =>
              html`<tr>
                <td>${day.day}</td>
                <td>${day.total.requests}</td>
                <td>${usd(day.total.costUsd)}</td>
                <td>${usd(day.total.realtimeCostUsd)}</td>
                <td>${usd(day.total.savedUsd)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section>
      <h3>Just now</h3>
      <ul class="recent" data-testid="recent">
        ${props.live.recent.map(
          (one) =>
            html`<li>
              <a href=${`#/request/${encodeURIComponent(one.tenant)}/${encodeURIComponent(one.requestId)}`}>${one.tenant}/${one.requestId}</a> ${one.type}
            </li>`,
        )}
      </ul>
    </section>
    <div class="columns">
      <${AttainmentTable} title="Deadline attainment per lane" rows=${data.attainment.lanes} testId="attainment-lanes" />
      <${AttainmentTable} title="Deadline attainment per tenant" rows=${data.attainment.tenants} testId="attainment-tenants" />
    </div>
  </div>`;
}
