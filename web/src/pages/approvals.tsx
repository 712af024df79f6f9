import { useState } from 'react';
import { api, explain, query, type Session } from '../api';
import { ScrollRegion } from '../components/scroll-region';
import { Async, Empty } from '../components/states';
import { timeAgo } from '../model';
import { href, type Route, setParams } from '../router';
import type { List } from '../types';
import { useApi } from '../use-api';

interface Approval {
  id: string;
  agentName: string;
  method: string;
  path: string;
  selector: string;
  required: number;
  approvalsGiven: number;
  status: 'pending' | 'approved' | 'denied' | 'used' | 'expired' | 'void';
  decisions: { operator: string; decision: 'approve' | 'deny'; reason: string | null; at: string }[];
  request: Record<string, unknown>;
  requestId: string;
  wouldDo: string;
  destructive: boolean;
  createdAt: string;
  expiresAt: string;
}

const STATUSES = ['pending', 'approved', 'denied', 'used', 'expired', 'void'] as const;

/** Calls held for a person's approval: the queue, and one request with approve / deny. */
export function ApprovalsPage({ route, session }: { route: Route; session: Session }) {
  const status = route.params.get('status') ?? 'pending';
  const list = useApi<List<Approval>>(`/approvals${query({ status, limit: 200 })}`);
  return (
    <>
      <h1>Approvals</h1>
      <p className="muted">
        Calls an agent's policy holds until a person approves that exact call (method, path, query and body).
      </p>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setParams({ status: e.target.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Async state={list} what="approvals">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>No {status} approvals.</Empty>
          ) : (
            <ScrollRegion label="Approvals">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Call</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Approvals</th>
                    <th scope="col">Asked</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((a) => (
                    <tr key={a.id}>
                      <td>
                        <a href={href(`/approvals/${a.id}`)}>
                          <code>
                            {a.method} {a.path}
                          </code>
                        </a>
                        {a.destructive && <span className="chip bad">destructive</span>}
                      </td>
                      <td>{a.agentName}</td>
                      <td>
                        {a.approvalsGiven} of {a.required}
                      </td>
                      <td>{timeAgo(a.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )
        }
      </Async>
      {session.caller.role === 'viewer' && (
        <p className="muted">Deciding needs the approver or admin role; you are signed in as a viewer.</p>
      )}
    </>
  );
}

export function ApprovalDetailPage({ session, id }: { session: Session; id: string }) {
  const approval = useApi<Approval>(`/approvals/${encodeURIComponent(id)}`);
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const decide = (decision: 'approve' | 'deny') =>
    api<Approval>('POST', `/approvals/${encodeURIComponent(id)}/${decision}`, reason ? { reason } : {}).then(
      (result) => {
        setMessage({
          ok: true,
          text: `${decision === 'approve' ? 'Approved' : 'Denied'}: now ${result.status}.`,
        });
        approval.reload();
      },
      (failure) => setMessage({ ok: false, text: explain(failure) }),
    );
  return (
    <Async state={approval} what="the approval">
      {(a) => (
        <>
          <h1>
            Approval <code>{a.id}</code>
          </h1>
          <p>
            <strong>{a.wouldDo}</strong>
          </p>
          <div className="panel">
            <dl>
              <dt>Agent</dt>
              <dd>{a.agentName}</dd>
              <dt>Call</dt>
              <dd>
                <code>
                  {a.method} {a.path}
                </code>
              </dd>
              <dt>Status</dt>
              <dd>
                {a.status} ({a.approvalsGiven} of {a.required} approvals)
              </dd>
              <dt>Rule</dt>
              <dd>
                <code>{a.selector}</code>
              </dd>
              <dt>Expires</dt>
              <dd>{timeAgo(a.expiresAt)}</dd>
              <dt>Request id</dt>
              <dd className="mono">{a.requestId}</dd>
            </dl>
            <h2>What it would send</h2>
            <pre className="snippet">{JSON.stringify(a.request, null, 2)}</pre>
            <h2>Decisions</h2>
            {a.decisions.length ? (
              <ul>
                {a.decisions.map((d) => (
                  <li key={`${d.operator}${d.at}`}>
                    {d.operator}: {d.decision}
                    {d.reason ? ` — ${d.reason}` : ''} ({timeAgo(d.at)})
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">none yet</p>
            )}
          </div>
          {a.status === 'pending' && session.caller.role !== 'viewer' && (
            <div className="row" style={{ marginTop: '0.8rem' }}>
              <label>
                Reason (optional)
                <input value={reason} onChange={(e) => setReason(e.target.value)} size={40} maxLength={500} />
              </label>
              <button type="button" className="primary" onClick={() => decide('approve')}>
                Approve
              </button>
              <button type="button" className="danger" onClick={() => decide('deny')}>
                Deny
              </button>
            </div>
          )}
          {message && (
            <div className={`notice ${message.ok ? 'ok' : 'error'}`} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </div>
          )}
          <p>
            <a href={href('/approvals')}>All approvals</a>
          </p>
        </>
      )}
    </Async>
  );
}
