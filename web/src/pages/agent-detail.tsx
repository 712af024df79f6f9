import { useMemo, useState } from 'react';
import { api, explain, mayChange, query, type Session } from '../api';
import { AuditTable } from '../components/audit-table';
import { Async, Empty } from '../components/states';
import { TokenReveal } from '../components/token-reveal';
import { grantLabel, isoAgo, permissionOf, permissionsOf, timeAgo } from '../model';
import { href, navigate } from '../router';
import type { Agent, AuditEntry, List, Subscription } from '../types';
import { useApi } from '../use-api';
import { StatusChip } from './agents';

const MONTH = 30 * 24 * 60 * 60 * 1000;

/** One agent: tokens (rotate with grace, revoke), disable/enable, recent calls, subscriptions, idle grants. */
export function AgentDetailPage({ session, id }: { session: Session; id: string }) {
  const agent = useApi<Agent>(`/agents/${encodeURIComponent(id)}`);
  return (
    <Async state={agent} what="the agent">
      {(data) => <AgentDetail session={session} agent={data} reload={agent.reload} />}
    </Async>
  );
}

function AgentDetail({ session, agent, reload }: { session: Session; agent: Agent; reload: () => void }) {
  const [grace, setGrace] = useState('0');
  const [token, setToken] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const since = useMemo(() => isoAgo(MONTH), []);
  const recent = useApi<List<AuditEntry>>(`/audit${query({ agent: agent.id, kind: 'call', limit: 20 })}`);
  const month = useApi<List<AuditEntry>>(
    `/audit${query({ agent: agent.id, kind: 'call', decision: 'allow', since, limit: 1000 })}`,
  );
  const subscriptions = useApi<List<Subscription>>('/webhooks/subscriptions');
  const used = new Set((month.data?.data ?? []).map((entry) => entry.permission?.split(':')[0]));
  const idle = permissionsOf(agent.grants).filter((grant) => !used.has(grant.split(':')[0]));

  const act = async (label: string, run: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await run();
      setMessage({ ok: true, text: label });
      reload();
      recent.reload();
    } catch (failure) {
      setMessage({ ok: false, text: explain(failure) });
    }
  };
  const rotate = () =>
    act('Rotated: the new token is below.', async () => {
      const result = await api<{ token: string }>('POST', `/agents/${agent.id}/rotate`, {
        graceSeconds: Number(grace),
      });
      setToken(result.token);
    });
  const revoke = () => {
    if (!window.confirm(`Revoke every token of ${agent.name}? Its next call is refused.`)) return;
    void act('Revoked: every token of this agent is refused from its next call.', () =>
      api('POST', `/agents/${agent.id}/revoke`),
    );
  };
  const toggle = () =>
    act(agent.enabled ? 'Disabled.' : 'Enabled.', () =>
      api('PATCH', `/agents/${agent.id}`, { enabled: !agent.enabled }),
    );
  const remove = () => {
    if (!window.confirm(`Delete ${agent.name} and its tokens?`)) return;
    api('DELETE', `/agents/${agent.id}`).then(
      () => navigate('/agents'),
      (failure) => setMessage({ ok: false, text: explain(failure) }),
    );
  };

  return (
    <>
      <div className="row">
        <h1>{agent.name}</h1>
        <StatusChip agent={agent} />
      </div>
      {agent.description && <p>{agent.description}</p>}
      {mayChange(session) && (
        <div className="row">
          <a className="button" href={href(`/agents/${agent.name}/edit`)}>
            Edit grants
          </a>
          <button type="button" onClick={toggle}>
            {agent.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={revoke}>
            Revoke tokens
          </button>
          <button type="button" className="danger" onClick={remove}>
            Delete
          </button>
        </div>
      )}
      {message && (
        <div className={`notice ${message.ok ? 'ok' : 'error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </div>
      )}
      {token && <TokenReveal name={agent.name} token={token} proxyUrl={session.proxyUrl} />}
      <div className="cards">
        <section className="panel" aria-labelledby="grants-heading">
          <h2 id="grants-heading">Grants</h2>
          <p>
            {agent.grants.map((grant) => (
              <code key={permissionOf(grant)} className="chip">
                {grantLabel(grant)}
              </code>
            ))}
            {agent.grants.length === 0 && 'none'}
          </p>
          <p className="muted">
            Expires: {agent.expiresAt ? `${agent.expiresAt} (${timeAgo(agent.expiresAt)})` : 'never'}
          </p>
          <h3>Not used in the last 30 days</h3>
          {month.data ? (
            <p data-testid="idle-grants">{idle.length ? idle.join(', ') : 'every grant was used'}</p>
          ) : (
            <p className="muted">…</p>
          )}
        </section>
        <section className="panel" aria-labelledby="tokens-heading">
          <h2 id="tokens-heading">Tokens</h2>
          <ul>
            {agent.tokens.map((t) => (
              <li key={t.id}>
                <code>{t.hint}</code>{' '}
                {t.active ? (
                  <span className="chip ok">active</span>
                ) : (
                  <span className="chip bad">inactive</span>
                )}{' '}
                <span className="muted">
                  created {timeAgo(t.createdAt)}
                  {t.revokedAt ? `, revoked ${timeAgo(t.revokedAt)}` : ''}
                  {t.expiresAt && !t.revokedAt ? `, ends ${timeAgo(t.expiresAt)}` : ''}
                </span>
              </li>
            ))}
          </ul>
          <div className="row">
            <label>
              Old token keeps working
              <select value={grace} onChange={(e) => setGrace(e.target.value)}>
                <option value="0">not at all</option>
                <option value="3600">1 hour</option>
                <option value="86400">24 hours</option>
              </select>
            </label>
            <button type="button" onClick={rotate} disabled={!mayChange(session)}>
              Rotate token
            </button>
          </div>
        </section>
        <section className="panel" aria-labelledby="subs-heading">
          <h2 id="subs-heading">Webhook subscriptions</h2>
          <Async state={subscriptions} what="subscriptions">
            {({ data }) => {
              const mine = data.filter((s) => s.agentId === agent.id);
              return mine.length ? (
                <ul>
                  {mine.map((s) => (
                    <li key={s.id}>
                      <code>{s.url}</code> — {s.events.join(', ')}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">none</p>
              );
            }}
          </Async>
        </section>
      </div>
      <h2>Recent calls and denials</h2>
      <Async state={recent} what="recent calls">
        {({ data }) =>
          data.length ? (
            <AuditTable entries={data} caption={`Recent calls of ${agent.name}`} />
          ) : (
            <Empty>No calls yet: give the agent its token and point it at the proxy.</Empty>
          )
        }
      </Async>
    </>
  );
}
