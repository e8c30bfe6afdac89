import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { postJson } from '../api';
import { time } from '../format';
import { useLoad } from '../load';
import type { LiveState } from '../live';
import type { DlqEntry, Scope } from '../types';

/** The dead-letter queue with the reasons; an operator replays or drops entries. */
export function DeadLettersPage(props: { live: LiveState; scope: Scope }) {
  const [acted, setActed] = useState(0);
  const [note, setNote] = useState<string | undefined>();
  // Not on every live tick: each load reads the dead-letter topic to its end.
  const { data, error } = useLoad<{ topic: string; total: number; entries: DlqEntry[] }>('/dlq', acted);
  const act = (action: 'replay' | 'drop', entry: DlqEntry) =>
    postJson<{ settled: unknown[] }>(`/dlq/${action}`, { entries: [{ partition: entry.dlqPartition, offset: entry.dlqOffset }] }).then(
      (answer) => {
        setNote(`${action === 'replay' ? 'replayed' : 'dropped'} ${answer.settled.length} entry (${entry.dlqPartition}/${entry.dlqOffset})`);
        setActed((count) => count + 1);
      },
      (failure: Error) => setNote(failure.message),
    );
  return html`<div>
    ${error && html`<p class="error">${error}</p>`} ${note && html`<p data-testid="dlq-note">${note}</p>`}
    <p class="muted">${data ? `${data.total} entries on ${data.topic}, newest first` : 'Reading the dead-letter topic…'}</p>
    <table data-testid="dlq">
      <thead>
        <tr>
          <th>dead-lettered</th>
          <th>entry</th>
          <th>from</th>
          <th>reason</th>
          <th>message</th>
          <th>tenant</th>
          <th>request</th>
          <th>settled</th>
          ${props.scope.operator && html`<th></th>`}
        </tr>
      </thead>
      <tbody>
        ${(data?.entries ?? []).map(
          (entry) =>
            html`<tr data-entry=${`${entry.dlqPartition}/${entry.dlqOffset}`} data-request=${entry.requestId ?? ''}>
              <td>${time(entry.time)}</td>
              <td>${entry.dlqPartition}/${entry.dlqOffset}</td>
              <td>${entry.originalTopic ?? '?'}</td>
              <td>${entry.code}</td>
              <td class="muted">${entry.message}</td>
              <td>${entry.tenant ?? '–'}</td>
              <td>${entry.requestId ?? '–'}</td>
              <td data-testid="disposition">${entry.disposition ?? ''}</td>
              ${
                props.scope.operator &&
                html`<td>
                  ${
                    entry.disposition === null &&
                    html`<button disabled=${entry.originalTopic === null} onClick=${() => act('replay', entry)}>replay</button>
                      <button onClick=${() => act('drop', entry)}>drop</button>`
                  }
                </td>`
              }
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
