import { useState } from 'react';
import { api, explain, mayChange, query, type Session } from '../api';
import { ScrollRegion } from '../components/scroll-region';
import { Async, Empty } from '../components/states';
import { timeAgo } from '../model';
import type { Delivery, List, Subscription } from '../types';
import { useApi } from '../use-api';

const STATUSES = ['pending', 'delivered', 'dead', 'denied'] as const;

/** Subscriptions, deliveries by status, and dead letters with replay. */
export function WebhooksPage({ session }: { session: Session }) {
  const subscriptions = useApi<List<Subscription>>('/webhooks/subscriptions');
  const [status, setStatus] = useState<string>('');
  const deliveries = useApi<List<Delivery>>(`/webhooks/deliveries${query({ status, limit: 200 })}`);
  const all = useApi<List<Delivery>>(`/webhooks/deliveries${query({ limit: 1000 })}`);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const counts = Object.fromEntries(
    STATUSES.map((s) => [s, (all.data?.data ?? []).filter((d) => d.status === s).length]),
  );
  const replay = (delivery: Delivery) =>
    api<{ deliveries: unknown[] }>('POST', `/webhooks/events/${delivery.eventId}/replay`, {
      subscription: delivery.subscriptionId,
    }).then(
      (result) => {
        setMessage({
          ok: true,
          text: `Replayed ${delivery.eventId}: ${result.deliveries.length} new delivery.`,
        });
        deliveries.reload();
        all.reload();
      },
      (failure) => setMessage({ ok: false, text: explain(failure) }),
    );
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        WorkOS sends events to Bollard; Bollard re-signs and delivers each to the agents subscribed to it and
        allowed to read its area.
      </p>
      <h2>Subscriptions</h2>
      <Async state={subscriptions} what="subscriptions">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>
              No subscriptions. Subscribe an agent with <code>bollard webhooks subscribe</code> or{' '}
              <code>POST /api/v1/webhooks/subscriptions</code>.
            </Empty>
          ) : (
            <ScrollRegion label="Subscriptions">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">URL</th>
                    <th scope="col">Events</th>
                    <th scope="col">Secret</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((s) => (
                    <tr key={s.id}>
                      <td>{s.agentName ?? s.agentId}</td>
                      <td>
                        <code>{s.url}</code>
                      </td>
                      <td>{s.events.join(', ')}</td>
                      <td>
                        <code>{s.secretHint}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )
        }
      </Async>
      <h2>Deliveries</h2>
      <fieldset className="row" style={{ border: 0, padding: 0 }}>
        <legend className="visually-hidden">Deliveries by status</legend>
        <button type="button" aria-pressed={status === ''} onClick={() => setStatus('')}>
          all
        </button>
        {STATUSES.map((s) => (
          <button key={s} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s} ({counts[s]})
          </button>
        ))}
      </fieldset>
      {message && (
        <div className={`notice ${message.ok ? 'ok' : 'error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </div>
      )}
      <Async state={deliveries} what="deliveries">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>No deliveries{status ? ` with status ${status}` : ''}.</Empty>
          ) : (
            <ScrollRegion label="Deliveries">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col" className="hide-narrow">
                      Last answer
                    </th>
                    <th scope="col">When</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <code>{d.event ?? d.eventId}</code>
                      </td>
                      <td>
                        <span
                          className={`chip ${d.status === 'delivered' ? 'ok' : d.status === 'pending' ? 'warn' : 'bad'}`}
                        >
                          {d.status}
                        </span>
                      </td>
                      <td>{d.attempts}</td>
                      <td className="hide-narrow">{d.lastStatus ?? d.lastError ?? '—'}</td>
                      <td>{timeAgo(d.lastAttemptAt ?? d.createdAt)}</td>
                      <td>
                        {d.status === 'dead' && mayChange(session) && (
                          <button type="button" onClick={() => replay(d)}>
                            Replay
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )
        }
      </Async>
    </>
  );
}
