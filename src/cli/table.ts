/**
 * Plain-text table for CLI output: one header row, a dashed rule, columns padded to their widest cell.
 * Cells are printed as given (no wrapping); newlines inside a cell are flattened to spaces.
 * @example renderTable(['METHOD', 'PATH'], [['GET', '/organizations']])
 * // 'METHOD  PATH\n------  --------------\nGET     /organizations'
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const clean = (cell: string | undefined) => (cell ?? '').replace(/\s*\n\s*/g, ' ');
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => clean(row[column]).length)),
  );
  const line = (cells: readonly (string | undefined)[]) =>
    widths
      .map((width, column) => clean(cells[column]).padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
