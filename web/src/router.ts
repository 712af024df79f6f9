import { useEffect, useState } from 'react';

/**
 * Routes live in the URL's fragment (`#/catalog?area=users`) so the admin server serves one page at `/`
 * and every other path stays an API path; the query part holds a view's filters, so a view can be shared.
 */
export interface Route {
  /** `/catalog`, `/agents/agt_1` */
  path: string;
  params: URLSearchParams;
}

function current(): Route {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = hash.split('?', 2);
  return { path, params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function href(
  path: string,
  params?: Record<string, string | undefined | null> | URLSearchParams,
): string {
  const search = new URLSearchParams();
  if (params instanceof URLSearchParams) for (const [key, value] of params) search.set(key, value);
  else for (const [key, value] of Object.entries(params ?? {})) if (value) search.set(key, value);
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function navigate(path: string, params?: Record<string, string | undefined | null>): void {
  window.location.hash = href(path, params);
}

/** Replaces one or more query values of the current route without adding history entries per keystroke. */
export function setParams(changes: Record<string, string | undefined | null>): void {
  const { path, params } = current();
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  window.history.replaceState(null, '', href(path, params));
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Goes to `path` in place of the current entry (a spent sign-in link leaves no trace in history). */
export function replaceRoute(path: string): void {
  window.history.replaceState(null, '', href(path));
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
