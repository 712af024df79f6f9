import type { AuditRecord, Store } from '../store/types.js';
import { csvHeader, csvLine } from './csv.js';
import { recordLine } from './seal.js';

export interface ExportOptions {
  format: 'jsonl' | 'csv';
  /** First seq to export (inclusive); default the first retained. */
  fromSeq?: number;
  /** Last seq to export (inclusive); default the head when the export began. */
  untilSeq?: number;
}

/** Text is handed out in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024; // 64 KiB

/** The record's canonical JSON with its hash last: the bytes the audit sinks send for it too. */
function jsonLine(record: AuditRecord): string {
  return `${recordLine(record)}\n`;
}

/**
 * Streams the chain as JSONL (one record per line, every field: it re-verifies with
 * `parseJsonlExport` + `verifyRecords`) or CSV (header row, JSON in the resourceIds and details
 * cells, formula-like cells neutralised; it re-verifies with `parseCsvExport`), page by page, never
 * holding the log in memory.
 * @example for await (const chunk of exportAudit(store, { format: 'jsonl' })) out.write(chunk);
 */
export async function* exportAudit(store: Store, options: ExportOptions): AsyncIterable<string> {
  const bounds = await store.auditBounds();
  const fromSeq = Math.max(options.fromSeq ?? bounds.firstSeq, bounds.firstSeq);
  const untilSeq = Math.min(options.untilSeq ?? bounds.lastSeq, bounds.lastSeq);
  const line = options.format === 'csv' ? csvLine : jsonLine;
  let chunk = options.format === 'csv' ? csvHeader() : '';
  if (fromSeq <= untilSeq) {
    for await (const record of store.scanAudit(fromSeq)) {
      if (record.seq > untilSeq) break;
      chunk += line(record);
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Reads a JSONL export back into records, from text chunks split anywhere (a file stream).
 * @example const result = await verifyRecords(parseJsonlExport(createReadStream(file, 'utf8')));
 */
export async function* parseJsonlExport(
  chunks: Iterable<string> | AsyncIterable<string | Buffer>,
): AsyncIterable<AuditRecord> {
  let rest = '';
  let lineNumber = 0;
  const parse = (line: string): AuditRecord | null => {
    lineNumber++;
    if (line.trim() === '') return null;
    try {
      return JSON.parse(line) as AuditRecord;
    } catch {
      throw new Error(`line ${lineNumber} of the export is not JSON`);
    }
  };
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const record = parse(line);
      if (record) yield record;
    }
  }
  const last = parse(rest);
  if (last) yield last;
}
