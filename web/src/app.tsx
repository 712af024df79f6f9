import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api, onSignedOut, type Session, setCsrfToken } from './api';
import { HealthBanner } from './components/health-banner';
import { Loading } from './components/states';
import { ActivityPage } from './pages/activity';
import { AgentDetailPage } from './pages/agent-detail';
import { AgentEditorPage } from './pages/agent-editor';
import { AgentsPage } from './pages/agents';
import { ApprovalDetailPage, ApprovalsPage } from './pages/approvals';
import { CatalogPage } from './pages/catalog';
import { PolicyPage } from './pages/policy';
import { SignInPage } from './pages/sign-in';
import { WebhooksPage } from './pages/webhooks';
import { href, type Route, useRoute } from './router';

// The charts library loads only when the Overview is opened: it stays out of the initial JavaScript.
const OverviewPage = lazy(() => import('./pages/overview'));

const PAGES = [
  ['/overview', 'Overview'],
  ['/catalog', 'Catalog'],
  ['/agents', 'Agents'],
  ['/activity', 'Activity'],
  ['/approvals', 'Approvals'],
  ['/webhooks', 'Webhooks'],
  ['/policy', 'Policy'],
] as const;

function Page({ route, session }: { route: Route; session: Session }) {
  const { path } = route;
  if (path === '/overview') return <OverviewPage />;
  if (path === '/catalog') return <CatalogPage route={route} />;
  if (path === '/agents') return <AgentsPage session={session} />;
  if (path === '/agents/new') return <AgentEditorPage session={session} />;
  const agent = /^\/agents\/([^/]+)(\/edit)?$/.exec(path);
  if (agent?.[2]) return <AgentEditorPage session={session} id={decodeURIComponent(agent[1]!)} />;
  if (agent) return <AgentDetailPage session={session} id={decodeURIComponent(agent[1]!)} />;
  if (path === '/activity') return <ActivityPage route={route} />;
  if (path === '/approvals') return <ApprovalsPage route={route} session={session} />;
  const approval = /^\/approvals\/([^/]+)$/.exec(path);
  if (approval) return <ApprovalDetailPage session={session} id={decodeURIComponent(approval[1]!)} />;
  if (path === '/webhooks') return <WebhooksPage session={session} />;
  if (path === '/policy') return <PolicyPage session={session} />;
  return <CatalogPage route={route} />;
}

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const signedIn = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrfToken ?? null);
    setSession(next);
  }, []);
  useEffect(() => {
    api<Session>('GET', '/session').then(signedIn, () => signedIn(null));
    return onSignedOut(() => signedIn(null));
  }, [signedIn]);
  useEffect(() => {
    const title = PAGES.find(([path]) => route.path.startsWith(path))?.[1] ?? 'Catalog';
    document.title = session ? `${title} · Bollard console` : 'Sign in · Bollard console';
  }, [route.path, session]);

  if (session === undefined) return <Loading what="the console" />;
  if (session === null || route.path === '/sign-in') {
    return <SignInPage route={route} session={session} onSignedIn={signedIn} />;
  }
  const signOut = () => api('DELETE', '/session').finally(() => signedIn(null));
  const active = route.path === '/' ? '/catalog' : route.path;
  return (
    <>
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header className="top">
        <span className="brand">Bollard</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map(([path, label]) => (
              <li key={path}>
                <a href={href(path)} aria-current={active.startsWith(path) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="spacer" />
        <span className="muted">
          {session.caller.name} ({session.caller.role})
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <HealthBanner />
        <Suspense fallback={<Loading what="the page" />}>
          <Page route={route} session={session} />
        </Suspense>
      </main>
    </>
  );
}
