import { useEffect, useMemo, useState } from 'react';
import { query } from '../api';
import { callsOf } from '../components/audit-table';
import { Bars, TimeChart } from '../components/chart';
import { Async, Empty } from '../components/states';
import { isoAgo } from '../model';
import type { AuditEntry, Endpoint, List } from '../types';
import { useApi } from '../use-api';

const HOUR = 60 * 60 * 1000;
const GENERAL = {
  id: 'general',
  limit: 6000,
  windowSeconds: 60,
  description: '6,000 requests / 60 s per API key',
};

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

/** Calls per minute over the last hour, split by decision, with upstream latency p50/p95 per minute. */
function perMinute(entries: AuditEntry[], now: number) {
  const start = Math.floor((now - HOUR) / 60_000) * 60_000;
  const minutes = Array.from({ length: 61 }, (_, i) => start + i * 60_000);
  const allow = minutes.map(() => 0);
  const deny = minutes.map(() => 0);
  const latencies: number[][] = minutes.map(() => []);
  for (const entry of entries) {
    const index = Math.floor((Date.parse(entry.time) - start) / 60_000);
    if (index < 0 || index >= minutes.length) continue;
    // An aggregate record of repeated denials stands for its count of calls.
    if (entry.decision === 'deny') deny[index]! += callsOf(entry);
    else allow[index]!++;
    if (entry.upstreamLatencyMs !== null) latencies[index]!.push(entry.upstreamLatencyMs);
  }
  const sorted = latencies.map((list) => list.sort((a, b) => a - b));
  return {
    times: minutes.map((m) => m / 1000),
    allow,
    deny,
    p50: sorted.map((list) => percentile(list, 50)),
    p95: sorted.map((list) => percentile(list, 95)),
  };
}

function useBreakerState() {
  const [state, setState] = useState<string | null>(null);
  useEffect(() => {
    fetch('/metrics', { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error('no metrics'))))
      .then((text) => {
        const match = /^bollard_upstream_breaker_state\{state="(\w+)"\} 1$/m.exec(text);
        setState(match?.[1] ?? 'unknown');
      })
      // Metrics off (BOLLARD_METRICS=off): the readiness probe still says whether the breaker is open.
      .catch(() =>
        fetch('/readyz')
          .then((response) => response.json() as Promise<{ checks: { upstream: boolean } }>)
          .then(
            (report) => setState(report.checks.upstream ? 'closed' : 'open'),
            () => setState('unknown'),
          ),
      );
  }, []);
  return state;
}

/** Pictures of the last hour: calls by decision, denials by agent, upstream latency, rate-limit headroom, breaker. */
export default function OverviewPage() {
  const since = useMemo(() => isoAgo(HOUR), []);
  const calls = useApi<List<AuditEntry>>(`/audit${query({ kind: 'call', since, limit: 1000 })}`);
  const catalog = useApi<List<Endpoint>>('/catalog');
  const breaker = useBreakerState();
  return (
    <>
      <h1>Overview</h1>
      <p className="muted">The last hour, from the audit log (up to the newest 1,000 calls).</p>
      <Async state={calls} what="the last hour's calls">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>No calls in the last hour yet.</Empty>
          ) : (
            <Charts entries={data} endpoints={catalog.data?.data ?? []} breaker={breaker} />
          )
        }
      </Async>
    </>
  );
}

function Charts({
  entries,
  endpoints,
  breaker,
}: {
  entries: AuditEntry[];
  endpoints: Endpoint[];
  breaker: string | null;
}) {
  const now = Date.now();
  const minute = useMemo(() => perMinute(entries, Date.now()), [entries]);
  const callSeries = useMemo(
    () => [
      { label: 'allowed', values: minute.allow, color: '#2e8b57' },
      { label: 'denied', values: minute.deny, color: '#d0453a' },
    ],
    [minute],
  );
  const latencySeries = useMemo(
    () => [
      { label: 'p50', values: minute.p50, color: '#3b7ddd' },
      { label: 'p95', values: minute.p95, color: '#c98a00' },
    ],
    [minute],
  );
  const denials = new Map<string, number>();
  for (const entry of entries) {
    if (entry.decision === 'deny')
      denials.set(
        entry.agentName ?? 'no token',
        (denials.get(entry.agentName ?? 'no token') ?? 0) + callsOf(entry),
      );
  }
  const denialRows = [...denials].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const maxDenials = denialRows[0]?.[1] ?? 1;
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const rules = new Map([[GENERAL.id, GENERAL]]);
  for (const e of endpoints)
    for (const r of e.rateLimits) if (r.scope === 'api_key' || r.scope === 'environment') rules.set(r.id, r);
  const headroom = [...rules.values()].map((rule) => {
    const windowStart = now - rule.windowSeconds * 1000;
    const used = entries.filter(
      (entry) =>
        entry.decision === 'allow' &&
        Date.parse(entry.time) >= windowStart &&
        (rule.id === 'general' || byId.get(entry.endpointId ?? '')?.rateLimits.some((r) => r.id === rule.id)),
    ).length;
    return {
      label: rule.description,
      value: used,
      max: rule.limit,
      note: `${used} used, ${rule.limit - used} left`,
    };
  });
  return (
    <div className="cards">
      <section className="panel">
        <h2>Calls per minute</h2>
        <TimeChart
          title="Calls per minute by decision"
          times={minute.times}
          series={callSeries}
          unit="calls"
        />
      </section>
      <section className="panel">
        <h2>Upstream latency</h2>
        <TimeChart
          title="Upstream latency p50 and p95 per minute"
          times={minute.times}
          series={latencySeries}
          unit="ms"
        />
      </section>
      <section className="panel">
        <h2>Denials by agent</h2>
        {denialRows.length ? (
          <Bars tone="bad" rows={denialRows.map(([label, value]) => ({ label, value, max: maxDenials }))} />
        ) : (
          <p className="muted">No denials in the last hour.</p>
        )}
      </section>
      <section className="panel">
        <h2>Rate-limit headroom</h2>
        <p className="muted">WorkOS's per-key limits, by calls allowed in each limit's current window.</p>
        <Bars tone="warn" rows={headroom} />
      </section>
      <section className="panel">
        <h2>Upstream breaker</h2>
        <p data-testid="breaker">
          {breaker === null ? (
            'Checking…'
          ) : (
            <span className={`chip ${breaker === 'closed' ? 'ok' : breaker === 'unknown' ? '' : 'bad'}`}>
              {breaker}
            </span>
          )}{' '}
          {breaker === 'closed' && 'WorkOS answers; calls flow.'}
          {breaker === 'open' && 'WorkOS is failing: calls are refused quickly until it recovers.'}
          {breaker === 'half_open' && 'Trying WorkOS again with a few calls.'}
        </p>
      </section>
    </div>
  );
}
