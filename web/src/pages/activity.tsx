import { useEffect, useMemo, useRef, useState } from 'react';
import { API, api, explain, query } from '../api';
import { AggregateCount, AuditTable, DecisionChip } from '../components/audit-table';
import { Empty, ErrorNote, Loading } from '../components/states';
import { type Route, setParams } from '../router';
import type { Agent, AuditEntry, List } from '../types';
import { useApi } from '../use-api';

const CAP = 500; // entries kept on screen; older ones are in the log (and the export)
const KINDS = ['call', 'admin', 'webhook', 'system'];
type Verify = { ok: true; count: number; lastSeq: number } | { ok: false; seq: number; reason: string };

function textMatches(entry: AuditEntry, text: string): boolean {
  if (!text) return true;
  const needle = text.toLowerCase();
  return [
    entry.path,
    entry.agentName,
    entry.reason,
    entry.rule,
    entry.requestId,
    entry.endpointId,
    entry.permission,
  ].some((value) => value?.toLowerCase().includes(needle));
}

/** Newest first, unique by seq, at most CAP. */
function mergeEntries(current: AuditEntry[], incoming: AuditEntry[]): AuditEntry[] {
  const bySeq = new Map(current.map((entry) => [entry.seq, entry]));
  for (const entry of incoming) bySeq.set(entry.seq, entry);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, CAP);
}

/** The audit log: a live tail over SSE with filters in the URL, pause, record detail, verify and export. */
export function ActivityPage({ route }: { route: Route }) {
  const p = route.params;
  const filter = {
    agent: p.get('agent') ?? '',
    area: p.get('area') ?? '',
    decision: p.get('decision') ?? '',
    status: p.get('status') ?? '',
    since: p.get('since') ?? '',
    until: p.get('until') ?? '',
  };
  const text = p.get('q') ?? '';
  const agents = useApi<List<Agent>>('/agents');
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [state, setState] = useState<'loading' | 'live' | 'history' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [paused, setPaused] = useState(false);
  const [pending, setPending] = useState<AuditEntry[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [verify, setVerify] = useState<Verify | string | null>(null);
  const key = JSON.stringify(filter);
  const toIso = (value: string) => (value ? new Date(value).toISOString() : undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the filters, serialized: the stream restarts only when they change
  useEffect(() => {
    const f = JSON.parse(key) as typeof filter;
    const filters = {
      agent: f.agent,
      area: f.area,
      decision: f.decision,
      status: f.status,
      since: toIso(f.since),
    };
    const controller = new AbortController();
    let source: EventSource | null = null;
    setEntries([]);
    setPending([]);
    setState('loading');
    const loadHistory = () =>
      api<List<AuditEntry>>(
        'GET',
        `/audit${query({ ...filters, until: toIso(f.until), limit: 100 })}`,
        undefined,
        controller.signal,
      ).then(
        (page) => {
          setEntries((current) => mergeEntries(current, page.data));
          setState(f.until ? 'history' : 'live');
        },
        (failure) => {
          if ((failure as Error).name === 'AbortError') return;
          setError(failure);
          setState('error');
        },
      );
    if (f.until) {
      void loadHistory();
    } else {
      // The stream first, then the history: whatever lands in between arrives twice and is kept once.
      source = new EventSource(`${API}/audit/stream${query(filters)}`, { withCredentials: true });
      let opened = false;
      source.onopen = () => {
        if (!opened) void loadHistory();
        opened = true;
        setState((s) => (s === 'error' ? 'live' : s));
      };
      source.onerror = () => {
        if (source?.readyState === EventSource.CLOSED) {
          setError(
            new Error('The live stream closed: is Bollard running and are you signed in? Reload to retry.'),
          );
          setState('error');
        }
      };
      const take = (event: MessageEvent<string>) => {
        const entry = JSON.parse(event.data) as AuditEntry;
        if (pausedRef.current) setPending((queue) => [entry, ...queue].slice(0, CAP));
        else setEntries((current) => mergeEntries(current, [entry]));
      };
      for (const kind of KINDS) source.addEventListener(kind, take as EventListener);
    }
    return () => {
      controller.abort();
      source?.close();
    };
  }, [key]);

  const resume = () => {
    setEntries((current) => mergeEntries(current, pending));
    setPending([]);
    setPaused(false);
  };
  const shown = useMemo(() => entries.filter((entry) => textMatches(entry, text)), [entries, text]);
  const runVerify = () => {
    setVerify('Verifying…');
    api<Verify>('POST', '/audit/verify').then(setVerify, (failure) => setVerify(explain(failure)));
  };

  return (
    <>
      <h1>Activity</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Agent
          <select value={filter.agent} onChange={(e) => setParams({ agent: e.target.value })}>
            <option value="">any</option>
            {(agents.data?.data ?? []).map((a) => (
              <option key={a.id} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Area
          <input value={filter.area} onChange={(e) => setParams({ area: e.target.value })} size={14} />
        </label>
        <label>
          Decision
          <select value={filter.decision} onChange={(e) => setParams({ decision: e.target.value })}>
            <option value="">any</option>
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
        </label>
        <label>
          Status
          <input
            value={filter.status}
            onChange={(e) => setParams({ status: e.target.value })}
            size={5}
            inputMode="numeric"
          />
        </label>
        <label>
          From
          <input
            type="datetime-local"
            value={filter.since}
            onChange={(e) => setParams({ since: e.target.value })}
          />
        </label>
        <label>
          Until
          <input
            type="datetime-local"
            value={filter.until}
            onChange={(e) => setParams({ until: e.target.value })}
          />
        </label>
        <label>
          Text
          <input type="search" value={text} onChange={(e) => setParams({ q: e.target.value })} size={16} />
        </label>
      </form>
      <div className="row">
        {state === 'live' && (
          <button type="button" onClick={() => (paused ? resume() : setPaused(true))} aria-pressed={paused}>
            {paused ? `Resume (${pending.length} new)` : 'Pause'}
          </button>
        )}
        <span role="status" className="muted" data-testid="live-state">
          {state === 'live'
            ? paused
              ? 'Paused'
              : 'Live: new calls appear as they happen'
            : state === 'history'
              ? 'History (until is set)'
              : ''}
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" onClick={runVerify}>
          Verify chain
        </button>
        <a className="button" href={`${API}/audit/export?format=jsonl`} download="bollard-audit.jsonl">
          Export JSON Lines
        </a>
        <a className="button" href={`${API}/audit/export?format=csv`} download="bollard-audit.csv">
          Export CSV
        </a>
      </div>
      {verify && (
        <div
          className={`notice ${typeof verify === 'string' ? '' : verify.ok ? 'ok' : 'error'}`}
          role="status"
          data-testid="verify-result"
        >
          {typeof verify === 'string'
            ? verify
            : verify.ok
              ? `Chain intact: ${verify.count} records, head at seq ${verify.lastSeq}.`
              : `Chain broken at seq ${verify.seq}: ${verify.reason}.`}
        </div>
      )}
      {state === 'error' && <ErrorNote error={error} />}
      {state === 'loading' && <Loading what="the audit log" />}
      <div className="split" style={{ marginTop: '0.8rem' }}>
        <div>
          {state !== 'loading' && shown.length === 0 ? (
            <Empty>No records match. Calls through the proxy appear here as they happen.</Empty>
          ) : (
            <AuditTable
              entries={shown}
              selected={selected?.seq}
              onSelect={setSelected}
              caption="Audit records, newest first"
            />
          )}
        </div>
        {selected ? (
          <RecordDetail entry={selected} />
        ) : (
          <aside className="panel muted">Select a record for its detail.</aside>
        )}
      </div>
    </>
  );
}

function RecordDetail({ entry }: { entry: AuditEntry }) {
  return (
    <aside className="panel" aria-labelledby="record-heading" data-testid="record-detail">
      <h2 id="record-heading">
        Record {entry.seq} <DecisionChip entry={entry} />
      </h2>
      <dl>
        <dt>Time</dt>
        <dd>{entry.time}</dd>
        <dt>Request</dt>
        <dd>
          <code>
            {entry.method} {entry.path}
          </code>
        </dd>
        <dt>Agent</dt>
        <dd>{entry.agentName ?? '—'}</dd>
        <dt>Endpoint</dt>
        <dd>{entry.endpointId ?? '—'}</dd>
        <dt>Permission</dt>
        <dd>
          <code>{entry.permission ?? '—'}</code>
        </dd>
        <dt>Reason</dt>
        <dd>
          {entry.reason ?? '—'}
          <AggregateCount entry={entry} />
        </dd>
        <dt>Rule</dt>
        <dd>{entry.rule ?? '—'}</dd>
        <dt>Status</dt>
        <dd>{entry.status ?? 'pending'}</dd>
        <dt>Upstream</dt>
        <dd>
          {entry.upstreamStatus ?? '—'}
          {entry.upstreamLatencyMs !== null ? ` in ${entry.upstreamLatencyMs} ms` : ''}
        </dd>
        <dt>Latency</dt>
        <dd>{entry.latencyMs !== null ? `${entry.latencyMs} ms` : '—'}</dd>
        <dt>Request id</dt>
        <dd className="mono">{entry.requestId}</dd>
        <dt>Chain</dt>
        <dd className="mono">
          seq {entry.seq}, hash {entry.hash.slice(0, 16)}…, previous {entry.prevHash.slice(0, 16)}…
          {entry.outcome
            ? `; outcome seq ${entry.outcome.seq}, hash ${entry.outcome.hash.slice(0, 16)}…`
            : ''}
        </dd>
      </dl>
      <h3>Details</h3>
      <pre className="snippet">{JSON.stringify(entry.details, null, 2)}</pre>
    </aside>
  );
}
