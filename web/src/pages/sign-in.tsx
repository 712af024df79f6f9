import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, explain, type Session } from '../api';
import { type Route, replaceRoute } from '../router';

/**
 * Sign in with the admin token (it is sent once and never kept by the browser) or a one-time link's
 * code (`#/sign-in?code=…`, printed by the demo banner); either becomes an HttpOnly session cookie.
 */
export function SignInPage({
  route,
  session,
  onSignedIn,
}: {
  route: Route;
  session: Session | null;
  onSignedIn: (session: Session) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const code = route.params.get('code');
  const tried = useRef<string | null>(null);

  const signIn = async (body: { token: string } | { code: string }) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api<Session>('POST', '/session', body);
      // The code is spent: take it out of the address bar and history.
      replaceRoute('/catalog');
      onSignedIn(next);
    } catch (failure) {
      setError(explain(failure));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (code && tried.current !== code) {
      tried.current = code;
      void signIn({ code });
    }
  });

  if (session && !code) {
    replaceRoute('/catalog');
    return null;
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    input.value = '';
    if (token) void signIn({ token });
  };

  return (
    <main className="sign-in" id="main">
      <h1>Bollard console</h1>
      <p className="muted">
        Sign in with the admin token (the start-up banner prints it; or <code>BOLLARD_ADMIN_TOKEN</code>). The
        browser keeps only a session cookie, for 8 hours.
      </p>
      {code && busy && <p role="status">Signing in with the one-time link…</p>}
      <form onSubmit={submit}>
        <label>
          Admin token
          <input name="token" type="password" autoComplete="off" required placeholder="boladm_…" />
        </label>
        <button className="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
    </main>
  );
}
