/**
 * Plain-text table for CLI output: one header row, a dashed rule, columns padded to their widest cell.
 * Cells are printed as given (no wrapping); newlines inside a cell are flattened to spaces.
 * @example renderTable(['METHOD', 'PATH'], [['GET', '/organizations']])
 * // 'METHOD  PATH\n------  --------------\nGET     /organizations'
 */
export function renderTable(headers: string[], rows: string[][], fit?: TableFit): string {
  const clean = (cell: string | undefined) => (cell ?? '').replace(/\s*\n\s*/g, ' ');
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => clean(row[column]).length)),
  );
  if (fit) shrinkToFit(widths, headers, fit);
  const cut = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);
  const line = (cells: readonly (string | undefined)[]) =>
    widths
      .map((width, column) => cut(clean(cells[column]), width).padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Fitting a table to a terminal: its width, and the columns that may be cut (…), first cut first. */
export interface TableFit {
  width: number;
  shrink: readonly { column: number; floor: number }[];
}

function shrinkToFit(widths: number[], headers: readonly string[], fit: TableFit): void {
  let excess = widths.reduce((sum, width) => sum + width, 0) + 2 * (widths.length - 1) - fit.width;
  for (const { column, floor: least } of fit.shrink) {
    if (excess <= 0) return;
    const floor = Math.max(headers[column]?.length ?? 0, least);
    const take = Math.min(excess, Math.max(0, (widths[column] ?? 0) - floor));
    widths[column] = (widths[column] ?? 0) - take;
    excess -= take;
  }
}

/** The terminal's width (or `COLUMNS`), or null when the output is not a terminal and no width is set. */
export function terminalWidth(): number | null {
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return process.stdout.isTTY ? process.stdout.columns : null;
}
