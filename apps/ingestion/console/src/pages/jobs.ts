import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { getJson } from '../api';
import { time } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { JobSummary } from '../types';

function JobOutput(props: { job: JobSummary }) {
  const [lines, setLines] = useState<string | undefined>();
  const show = () =>
    getJson<{ lines: unknown[] }>(`/jobs/${encodeURIComponent(props.job.tenant)}/${encodeURIComponent(props.job.id)}/output`).then(
      (output) => setLines(output.lines.map((line) => JSON.stringify(line)).join('\n') || 'no results yet'),
      (error: Error) => setLines(error.message),
    );
  return lines === undefined ? html`<button onClick=${show}>output</button>` : html`<pre class="output">${lines}</pre>`;
}

/** Bulk jobs, newest first, with their progress and the first lines of their output. */
export function JobsPage(props: { live: LiveState }) {
  const { data, error } = useLoad<{ jobs: JobSummary[] }>('/jobs', props.live.changes);
  return html`<div>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="jobs">
      <thead>
        <tr>
          <th>created</th>
          <th>tenant</th>
          <th>job</th>
          <th>intake</th>
          <th>progress</th>
          <th>succeeded</th>
          <th>failed</th>
          <th>invalid lines</th>
          <th>batch lane</th>
          <th>output</th>
        </tr>
      </thead>
      <tbody>
        ${(data?.jobs ?? []).map((job) => {
          const done = job.requests.succeeded + job.requests.failed;
          return html`<tr data-job=${job.id}>
            <td>${time(job.createdAt)}</td>
            <td>${job.tenant}</td>
            <td><code>${job.id}</code></td>
            <td>${job.status}</td>
            <td><progress max=${job.lines} value=${done}></progress> ${done}/${job.lines}</td>
            <td>${job.requests.succeeded}</td>
            <td>${job.requests.failed}</td>
            <td>${job.invalidLines}</td>
            <td>${job.requests.batch}</td>
            <td><${JobOutput} job=${job} /></td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}
