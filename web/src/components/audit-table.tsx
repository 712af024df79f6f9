import type { AuditEntry } from '../types';
import { ScrollRegion } from './scroll-region';

export function DecisionChip({ entry }: { entry: AuditEntry }) {
  if (!entry.decision) return <span className="chip">{entry.kind}</span>;
  return <span className={`chip ${entry.decision === 'allow' ? 'ok' : 'bad'}`}>{entry.decision}</span>;
}

/** A table of audit entries; a row's button opens it. */
export function AuditTable({
  entries,
  selected,
  onSelect,
  caption,
}: {
  entries: readonly AuditEntry[];
  selected?: number | null;
  onSelect?: (entry: AuditEntry) => void;
  caption: string;
}) {
  return (
    <ScrollRegion label={caption}>
      <table data-testid="audit-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Agent</th>
            <th scope="col">Call</th>
            <th scope="col">Decision</th>
            <th scope="col">Status</th>
            <th scope="col" className="hide-narrow">
              Why
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr
              key={entry.seq}
              className={`${onSelect ? 'clickable' : ''}${selected === entry.seq ? ' selected' : ''}`}
              onClick={() => onSelect?.(entry)}
              data-request-id={entry.requestId}
            >
              <td className="mono">{entry.time.slice(11, 23)}</td>
              <td style={{ whiteSpace: 'nowrap' }}>{entry.agentName ?? '—'}</td>
              <td>
                {onSelect ? (
                  <button
                    type="button"
                    className="link mono"
                    onClick={(e) => {
                      e.stopPropagation();
                      onSelect(entry);
                    }}
                  >
                    {callLabel(entry)}
                  </button>
                ) : (
                  <code>{callLabel(entry)}</code>
                )}
              </td>
              <td>
                <DecisionChip entry={entry} />
              </td>
              <td>{entry.kind === 'call' ? (entry.status ?? '…') : '—'}</td>
              <td className="hide-narrow">
                {entry.decision === 'deny' ? (
                  <>
                    {entry.reason}
                    {entry.permission ? (
                      <>
                        {' '}
                        (needs <code>{entry.permission}</code>)
                      </>
                    ) : null}
                    <AggregateCount entry={entry} />
                  </>
                ) : (
                  (entry.rule ?? '')
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** What a row calls: its method and path (an aggregate of several paths names none). */
function callLabel(entry: AuditEntry): string {
  return entry.method ? `${entry.method} ${entry.path ?? '(several paths)'}` : entry.kind;
}

/** How many calls a record stands for: an aggregate of repeated denials its `details.aggregate.count`, others one. */
export function callsOf(entry: AuditEntry): number {
  const count = (entry.details?.aggregate as { count?: unknown } | undefined)?.count;
  return typeof count === 'number' ? count : 1;
}

/** How many calls an aggregate record of repeated denials stands for, after its reason. */
export function AggregateCount({ entry }: { entry: AuditEntry }) {
  if (entry.details?.aggregate === undefined) return null;
  const count = callsOf(entry);
  return (
    <span className="muted" title={`One record for ${count} repeated calls`}>
      {' '}
      ×{count}
    </span>
  );
}
