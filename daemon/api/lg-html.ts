/** HTML pieces of the looking glass: one page shell (inline CSS, no assets) and tables. */

export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * A table of escaped cells; columns listed in `raw` hold HTML the caller built from
 * escaped parts (links).
 */
export function lgTable (headers: readonly string[], rows: readonly (readonly unknown[])[], total: number, opts: { id?: string, raw?: readonly number[] } = {}): string {
  const raw = new Set(opts.raw ?? [])
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td>${raw.has(i) ? String(c) : escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')
  const more = total > rows.length ? `<p>${total - rows.length} more not shown (use the JSON API).</p>` : ''
  return `<table${opts.id !== undefined ? ` id="${opts.id}"` : ''}>${head}\n${body}</table>${rows.length === 0 ? '<p>none</p>' : ''}${more}`
}

export function lgPage (title: string, body: string, opts: { refreshS?: number } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${opts.refreshS !== undefined ? `<meta http-equiv="refresh" content="${opts.refreshS}">` : ''}
<title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-family:ui-monospace,monospace;font-size:13px}
th{background:#f0f0f0}
form{margin:1em 0}
.error{color:#a00}
nav a{margin-right:1em}
</style></head><body>
${body}
</body></html>
`
}
