import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { TimeChart, Series } from '../chart';
import { percent, usd } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { Attainment, Overview } from '../types';

function laneSeries(overview: Overview): { x: number[]; series: Series[] } {
  const times = [...new Set(overview.series.buckets.map((bucket) => Date.parse(bucket.at) / 1000))].sort((a, b) => a - b);
  const lanes = [...new Set(overview.series.buckets.map((bucket) => bucket.lane))].sort();
  const index = new Map(times.map((at, i) => [at, i]));
  const series = lanes.map((lane) => ({ label: lane, values: times.map(() => 0 as number | null) }));
  for (const bucket of overview.series.buckets) {
    series[lanes.indexOf(bucket.lane)].values[index.get(Date.parse(bucket.at) / 1000)!] = bucket.requests;
  }
  return { x: times, series };
}

function costSeries(overview: Overview): { x: number[]; series: Series[] } {
  const days = overview.costs.days;
  return {
    x: days.map((day) => Date.parse(`${day.day}T00:00:00Z`) / 1000),
    series: [
      { label: 'cost', values: days.map((day) => day.total.costUsd) },
      { label: 'all realtime', values: days.map((day) => day.total.realtimeCostUsd) },
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
      ${costs && html`<${TimeChart} title="Cost vs all realtime per day (USD)" testId="cost-chart" x=${costs.x} series=${costs.series} bars=${true} />`}
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
