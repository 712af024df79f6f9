import { useMemo } from 'react';
import { mayChange, query, type Session } from '../api';
import { callsOf } from '../components/audit-table';
import { ScrollRegion } from '../components/scroll-region';
import { Async, Empty } from '../components/states';
import { agentStatus, grantLabel, isoAgo, permissionOf, timeAgo } from '../model';
import { href } from '../router';
import type { Agent, AuditEntry, List } from '../types';
import { useApi } from '../use-api';

const DAY = 24 * 60 * 60 * 1000;

/** Calls and denials per agent in the last 24 h, and each agent's last call (from up to 1000 records). */
function useRecentCalls() {
  const since = useMemo(() => isoAgo(DAY), []);
  const calls = useApi<List<AuditEntry>>(`/audit${query({ kind: 'call', since, limit: 1000 })}`);
  return useMemo(() => {
    const stats = new Map<string, { calls: number; denials: number; last: string | null }>();
    for (const entry of calls.data?.data ?? []) {
      if (!entry.agentId) continue;
      const stat = stats.get(entry.agentId) ?? { calls: 0, denials: 0, last: null };
      // An aggregate record of repeated denials stands for its count of calls.
      const represented = callsOf(entry);
      stat.calls += represented;
      if (entry.decision === 'deny') stat.denials += represented;
      if (!stat.last || entry.time > stat.last) stat.last = entry.time;
      stats.set(entry.agentId, stat);
    }
    return { stats, capped: (calls.data?.data.length ?? 0) >= 1000 };
  }, [calls.data]);
}

export function StatusChip({ agent }: { agent: Agent }) {
  const status = agentStatus(agent);
  return <span className={`chip ${status === 'active' ? 'ok' : 'bad'}`}>{status}</span>;
}

/** Every agent: status, grants at a glance, last call, calls and denials in 24 h, expiry. */
export function AgentsPage({ session }: { session: Session }) {
  const agents = useApi<List<Agent>>('/agents');
  const { stats, capped } = useRecentCalls();
  return (
    <>
      <div className="row">
        <h1>Agents</h1>
        <span className="spacer" style={{ flex: 1 }} />
        {mayChange(session) && (
          <a className="button primary" href={href('/agents/new')}>
            New agent
          </a>
        )}
      </div>
      <Async state={agents} what="agents">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>
              No agents yet. <a href={href('/agents/new')}>Create one</a> with exactly the access it needs.
            </Empty>
          ) : (
            <ScrollRegion label="Agents">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Grants</th>
                    <th scope="col">Last call</th>
                    <th scope="col">Calls 24 h{capped ? ' (1000+)' : ''}</th>
                    <th scope="col">Denials 24 h</th>
                    <th scope="col" className="hide-narrow">
                      Expires
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((agent) => {
                    const stat = stats.get(agent.id);
                    return (
                      <tr key={agent.id}>
                        <td>
                          <a href={href(`/agents/${agent.name}`)}>{agent.name}</a>
                          {agent.description && <div className="muted">{agent.description}</div>}
                        </td>
                        <td>
                          <StatusChip agent={agent} />
                        </td>
                        <td>
                          {agent.grants.length
                            ? agent.grants.map((grant) => (
                                <code
                                  key={permissionOf(grant)}
                                  className={`chip ${permissionOf(grant).endsWith(':write') ? 'warn' : ''}`}
                                >
                                  {grantLabel(grant)}
                                </code>
                              ))
                            : 'none'}
                        </td>
                        <td>{timeAgo(stat?.last)}</td>
                        <td>{stat?.calls ?? 0}</td>
                        <td>{stat?.denials ? <span className="chip bad">{stat.denials}</span> : 0}</td>
                        <td className="hide-narrow">
                          {agent.expiresAt ? timeAgo(agent.expiresAt) : 'never'}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </ScrollRegion>
          )
        }
      </Async>
    </>
  );
}
