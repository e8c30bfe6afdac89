import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api';

export interface Loaded<T> {
  data?: T;
  error?: string;
}

/** GETs `path` (one statement on the server) when it changes and again whenever `refresh` does. */
export function useLoad<T>(path: string, refresh: number): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({});
  useEffect(() => {
    const abort = new AbortController();
    getJson<T>(path, abort.signal).then(
      (data) => setState({ data }),
      (error: Error) => {
        if (!abort.signal.aborted) setState((previous) => ({ data: previous.data, error: error.message }));
      },
    );
    return () => abort.abort();
  }, [path, refresh]);
  return state;
}
