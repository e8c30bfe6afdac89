import { html } from 'htm/preact';
import { duration, time } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { BatchSummary } from '../types';

/** Every provider batch, newest first, with how far along its lines are. */
export function BatchesPage(props: { live: LiveState }) {
  const { data, error } = useLoad<{ batches: BatchSummary[] }>('/batches', props.live.changes);
  return html`<div>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="batches">
      <thead>
        <tr>
          <th>created</th>
          <th>batch</th>
          <th>provider / model</th>
          <th>state</th>
          <th>progress</th>
          <th>done</th>
          <th>failed</th>
          <th>expired</th>
          <th>escalated</th>
          <th>turnaround</th>
        </tr>
      </thead>
      <tbody>
        ${(data?.batches ?? []).map((batch) => {
          const lines = batch.lines;
          const settled = lines.total - lines.pending;
          return html`<tr data-batch=${batch.id} data-state=${batch.status}>
            <td>${time(batch.createdAt)}</td>
            <td><code>${batch.id}</code></td>
            <td>${batch.provider} ${batch.model}</td>
            <td>${batch.status}</td>
            <td><progress max=${lines.total} value=${settled} title=${`${settled} of ${lines.total}`}></progress> ${settled}/${lines.total}</td>
            <td>${lines.succeeded}</td>
            <td>${lines.failed}</td>
            <td>${lines.expired}</td>
            <td>${lines.escalated}</td>
            <td>${duration(batch.submittedAt, batch.completedAt)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}
