import type { AuditRecord } from '../store/types.js';
import type { SinkRecord } from './sink.js';

/** A batch as one HTTP body for a receiver's format, with the headers that format needs. */
export interface FormattedBatch {
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

export type HttpFormat = 'jsonl' | 'splunk' | 'datadog';

/** One short line for log viewers that show a message first. */
function summary(record: AuditRecord): string {
  const who = record.agentName ?? 'anonymous';
  const what = [record.method, record.path].filter(Boolean).join(' ');
  return `bollard ${record.kind} ${record.decision ?? record.reason ?? ''} ${who} ${what}`
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * `jsonl`: the records as exported, one per line (a receiver can verify the chain as it comes).
 * `splunk`: HTTP Event Collector events, one JSON object per line, `Authorization: Splunk <token>`.
 * `datadog`: a JSON array of log intake entries, `DD-API-KEY: <token>`.
 */
export function formatBatch(
  format: HttpFormat,
  records: readonly SinkRecord[],
  token?: string,
): FormattedBatch {
  switch (format) {
    case 'splunk':
      return {
        body: records
          .map(
            ({ record, line }) =>
              `{"time":${JSON.stringify(Date.parse(record.time) / 1000)},"source":"bollard","sourcetype":"bollard:audit","event":${line}}`,
          )
          .join('\n'),
        contentType: 'application/json',
        headers: token ? { authorization: `Splunk ${token}` } : {},
      };
    case 'datadog':
      return {
        body: `[${records
          .map(({ record, line }) => {
            const entry = JSON.stringify({
              ddsource: 'bollard',
              service: 'bollard',
              ddtags: `kind:${record.kind}${record.decision ? `,decision:${record.decision}` : ''}`,
              date: record.time,
              message: summary(record),
            });
            return `${entry.slice(0, -1)},"bollard":${line}}`;
          })
          .join(',')}]`,
        contentType: 'application/json',
        headers: token ? { 'dd-api-key': token } : {},
      };
    default:
      return {
        body: records.map((record) => `${record.line}\n`).join(''),
        contentType: 'application/x-ndjson',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      };
  }
}
