import type { ReactNode } from 'react';
import { explain } from '../api';
import type { Loaded } from '../use-api';

/** Loading, error and empty states, said the same way on every page. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="notice error" role="alert">
      {explain(error)}{' '}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="notice muted">{children}</p>;
}

/** Renders `children(data)` once loaded; the loading and error states otherwise. */
export function Async<T>({
  state,
  what,
  children,
}: {
  state: Loaded<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error ? <ErrorNote error={state.error} retry={state.reload} /> : null}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <ErrorNote error={state.error} retry={state.reload} />;
  return <Loading what={what} />;
}
