import { AUDIT_COLUMNS, JSON_FIELDS, NUMERIC_FIELDS } from '../store/rows.js';
import type { AuditRecord } from '../store/types.js';

/**
 * The CSV form of the audit chain: one header row of record field names, then one row per record,
 * JSON in the resourceIds and details cells. It reads back into the very records it was written from,
 * so `audit verify --file` checks a CSV export as it does a JSONL one.
 */

export const CSV_FIELDS: readonly string[] = AUDIT_COLUMNS.map(([, field]) => field);

/**
 * A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or tab or CR before one) as a formula:
 * OWASP's CSV-injection advice is to prefix such cells with `'`. Cells that already start with `'` get
 * one too, so reading back is exact: a leading `'` is always one Bollard added.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

/** One cell: null is empty, an empty string is `""`, formula-like text is neutralised, quoting per RFC 4180. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '') return '""';
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_FIELDS.join(',')}\n`;
}

export function csvLine(record: AuditRecord): string {
  return `${CSV_FIELDS.map((field) => csvCell(record[field as keyof AuditRecord])).join(',')}\n`;
}

/** True when a file's first characters are this export's CSV header. */
export function looksLikeCsvExport(head: string): boolean {
  return head.startsWith(`${CSV_FIELDS[0]},${CSV_FIELDS[1]},`);
}

interface Cell {
  text: string;
  quoted: boolean;
}

/**
 * Reads a CSV export back into records, from text chunks split anywhere (a file stream): quoted cells
 * may hold commas, quotes and newlines; the neutralising `'` is taken off; numbers and JSON are parsed.
 * @example const result = await verifyRecords(parseCsvExport(createReadStream(file, 'utf8')));
 */
export async function* parseCsvExport(
  chunks: Iterable<string> | AsyncIterable<string | Buffer>,
): AsyncIterable<AuditRecord> {
  let header: string[] | null = null;
  let row: Cell[] = [];
  let text = '';
  let quoted = false;
  let inQuotes = false;
  let quoteSeen = false;
  let rowNumber = 0;
  const endRow = (): AuditRecord | null => {
    row.push({ text, quoted });
    text = '';
    quoted = false;
    const cells = row;
    row = [];
    rowNumber++;
    if (cells.length === 1 && cells[0]!.text === '' && !cells[0]!.quoted) return null;
    if (!header) {
      header = cells.map((cell) => cell.text);
      return null;
    }
    return recordFromCells(header, cells, rowNumber);
  };
  for await (const chunk of chunks) {
    const part = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const char of part) {
      if (inQuotes) {
        if (quoteSeen) {
          quoteSeen = false;
          if (char === '"') {
            text += '"';
            continue;
          }
          inQuotes = false;
        } else {
          if (char === '"') quoteSeen = true;
          else text += char;
          continue;
        }
      }
      if (char === '"' && text === '' && !quoted) {
        inQuotes = true;
        quoted = true;
      } else if (char === ',') {
        row.push({ text, quoted });
        text = '';
        quoted = false;
      } else if (char === '\n') {
        const record = endRow();
        if (record) yield record;
      } else if (char !== '\r') text += char;
    }
  }
  if (text !== '' || quoted || row.length > 0) {
    const record = endRow();
    if (record) yield record;
  }
}

function recordFromCells(header: string[], cells: Cell[], rowNumber: number): AuditRecord {
  if (cells.length !== header.length)
    throw new Error(`row ${rowNumber} of the export has ${cells.length} cells, the header ${header.length}`);
  const record: Record<string, unknown> = {};
  for (const [i, field] of header.entries()) {
    const cell = cells[i]!;
    if (cell.text === '' && !cell.quoted) {
      record[field] = null;
      continue;
    }
    const value = cell.text.startsWith("'") ? cell.text.slice(1) : cell.text;
    try {
      record[field] = JSON_FIELDS.has(field)
        ? JSON.parse(value)
        : NUMERIC_FIELDS.has(field)
          ? Number(value)
          : value;
    } catch {
      throw new Error(`row ${rowNumber} of the export: ${field} is not JSON`);
    }
  }
  return record as unknown as AuditRecord;
}
