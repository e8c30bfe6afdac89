import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { query } from '../api';
import { time, usd } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { RequestDetail, RequestSummary, Scope } from '../types';

type Search = { id?: string; tenant?: string; meta?: string; status?: string };

/** Search requests by id, tenant, metadata and status. */
export function RequestsPage(props: { live: LiveState; scope: Scope; search: Search }) {
  const [form, setForm] = useState<Search>(props.search);
  const { data, error } = useLoad<{ requests: RequestSummary[] }>(`/requests${query(props.search)}`, props.live.changes);
  const field = (name: keyof Search, label: string) =>
    html`<label
      >${label}
      <input name=${name} value=${form[name] ?? ''} onInput=${(event: Event) => setForm({ ...form, [name]: (event.target as HTMLInputElement).value })}
    /></label>`;
  const submit = (event: Event) => {
    event.preventDefault();
    location.hash = `#/requests${query(form)}`;
  };
  return html`<div>
    <form class="search" onSubmit=${submit}>
      ${field('id', 'id')} ${props.scope.operator && field('tenant', 'tenant')} ${field('meta', 'metadata (k=v,…)')} ${field('status', 'status')}
      <button type="submit">Search</button>
    </form>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="requests">
      <thead>
        <tr>
          <th>received</th>
          <th>tenant</th>
          <th>id</th>
          <th>status</th>
          <th>lane</th>
          <th>model</th>
          <th>deadline met</th>
          <th>cost</th>
          <th>saved</th>
          <th>metadata</th>
        </tr>
      </thead>
      <tbody>
        ${(data?.requests ?? []).map(
          (row) =>
            html`<tr>
              <td>${time(row.receivedAt)}</td>
              <td>${row.tenant}</td>
              <td><a href=${`#/request/${encodeURIComponent(row.tenant)}/${encodeURIComponent(row.id)}`}>${row.id}</a></td>
              <td>${row.status}</td>
              <td>${row.lane ?? '–'}</td>
              <td>${row.model}</td>
              <td>${row.deadlineMet === null ? '–' : row.deadlineMet ? 'yes' : 'no'}</td>
              <td>${usd(row.costUsd)}</td>
              <td>${usd(row.savedUsd)}</td>
              <td class="muted">
                ${Object.entries(row.metadata)
                  .map(([key, value]) => `${key}=${value}`)
                  .join(', ')}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** One request: its lifecycle in order and its result. */
export function RequestPage(props: { live: LiveState; tenant: string; id: string }) {
  const { data, error } = useLoad<RequestDetail>(`/requests/${encodeURIComponent(props.tenant)}/${encodeURIComponent(props.id)}`, props.live.changes);
  if (data === undefined) return html`<p class=${error ? 'error' : ''}>${error ?? 'Loading…'}</p>`;
  const request = data.request;
  return html`<div>
    <h2>Request <code>${request.id}</code> <small>(${request.tenant})</small></h2>
    <p data-testid="request-status">
      ${request.status} · ${request.lane ?? 'not routed'} lane · ${request.provider} ${request.operation} ${request.model} · deadline ${time(request.deadline)}
    </p>
    <h3>Timeline</h3>
    <ol class="timeline" data-testid="timeline">
      ${data.timeline.map((entry) => html`<li data-type=${entry.type}><time>${time(entry.at)}</time> <b>${entry.type}</b> ${entry.detail}</li>`)}
    </ol>
    <h3>Result</h3>
    <pre data-testid="result">${data.result === null ? 'no result yet' : JSON.stringify(data.result, null, 2)}</pre>
  </div>`;
}
