/**
 * Aligned text tables for people (scripts use --json). Numbers align right, text left;
 * no trailing spaces, so output diffs and greps cleanly.
 */
export interface Column<T> {
  readonly header: string
  readonly value: (row: T) => string | number | boolean | null | undefined
  /** Default: right for numbers, left otherwise. */
  readonly align?: 'left' | 'right'
}

export function formatCell (value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)))
  return String(value)
}

export function formatTable<T> (rows: readonly T[], columns: readonly Column<T>[]): string {
  const raw = rows.map((r) => columns.map((c) => c.value(r)))
  const cells = raw.map((r) => r.map(formatCell))
  const align = columns.map((c, i) => c.align ?? (raw.length > 0 && raw.every((r) => typeof r[i] === 'number') ? 'right' : 'left'))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (values: readonly string[]): string => values
    .map((v, i) => align[i] === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd()
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n'
}
