import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, forgetKey, getJson, savedKey, saveKey } from './api';
import { useLive } from './live';
import { BatchesPage } from './pages/batches';
import { DeadLettersPage } from './pages/dead-letters';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { RequestPage, RequestsPage } from './pages/requests';
import type { Scope } from './types';
import './console.css';

const PAGES = [
  ['overview', 'Overview'],
  ['requests', 'Requests'],
  ['batches', 'Batches'],
  ['jobs', 'Jobs'],
  ['dlq', 'Dead letters'],
] as const;

/** `#/<page>/<part>/…?<query>` */
function route(): { page: string; parts: string[]; query: Record<string, string> } {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [page = 'overview', ...parts] = path.split('/').map(decodeURIComponent);
  return { page: page || 'overview', parts, query: Object.fromEntries(new URLSearchParams(search)) };
}

function useRoute() {
  const [current, setCurrent] = useState(route());
  useEffect(() => {
    const changed = () => setCurrent(route());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return current;
}

function Login(props: { onKey: (scope: Scope) => void; error?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(props.error);
  const submit = (event: Event) => {
    event.preventDefault();
    saveKey(key.trim());
    getJson<Scope>('/me').then(props.onKey, (failure: Error) => {
      forgetKey();
      setError(failure.message);
    });
  };
  return html`<form class="login" onSubmit=${submit}>
    <h1>Sluice console</h1>
    <label
      >API key <input type="password" name="key" autocomplete="off" value=${key} onInput=${(event: Event) => setKey((event.target as HTMLInputElement).value)}
    /></label>
    <button type="submit">Open</button>
    ${error && html`<p class="error">${error}</p>`}
  </form>`;
}

function Console(props: { scope: Scope; onLeave: () => void }) {
  const live = useLive();
  const { page, parts, query } = useRoute();
  let body;
  if (page === 'request' && parts.length === 2) body = html`<${RequestPage} live=${live} tenant=${parts[0]} id=${parts[1]} />`;
  else if (page === 'requests') body = html`<${RequestsPage} key=${JSON.stringify(query)} live=${live} scope=${props.scope} search=${query} />`;
  else if (page === 'batches') body = html`<${BatchesPage} live=${live} />`;
  else if (page === 'jobs') body = html`<${JobsPage} live=${live} />`;
  else if (page === 'dlq') body = html`<${DeadLettersPage} live=${live} scope=${props.scope} />`;
  else body = html`<${OverviewPage} live=${live} />`;
  return html`<div>
    <header>
      <strong>Sluice</strong>
      <nav>${PAGES.map(([name, label]) => html`<a href=${`#/${name}`} class=${page === name ? 'current' : ''}>${label}</a>`)}</nav>
      <span class="who" data-testid="who">${props.scope.operator ? 'operator: all tenants' : `tenant ${props.scope.tenant}`}</span>
      <span class=${live.connected ? 'live on' : 'live'}>${live.connected ? '● live' : '○ offline'}</span>
      <button onClick=${props.onLeave}>Sign out</button>
    </header>
    <main>${body}</main>
  </div>`;
}

function App() {
  const [scope, setScope] = useState<Scope | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(savedKey() !== null);
  useEffect(() => {
    if (savedKey() === null) return;
    getJson<Scope>('/me').then(
      (me) => {
        setScope(me);
        setChecking(false);
      },
      (failure: Error) => {
        if (failure instanceof ApiFailure && failure.status === 401) forgetKey();
        setError(failure.message);
        setChecking(false);
      },
    );
  }, []);
  if (checking) return html`<p>Loading…</p>`;
  if (scope === undefined) return html`<${Login} onKey=${setScope} error=${error} />`;
  const leave = () => {
    forgetKey();
    setScope(undefined);
  };
  return html`<${Console} scope=${scope} onLeave=${leave} />`;
}

render(html`<${App} />`, document.getElementById('app')!);
