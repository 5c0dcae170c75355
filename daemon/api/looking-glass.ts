/**
 * GET /: a looking-glass page (peers and routes tables), server-rendered HTML with
 * inline CSS and no external assets, refreshed every few seconds.
 */
import type { FastifyInstance } from 'fastify'
import type { DaemonFacade } from './facade.ts'
import { toPeerJson, toRouteJson } from './views.ts'

/** Rows shown per table: the page stays small however large the RIB. */
export const MAX_LG_ROWS = 500

export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function table (headers: readonly string[], rows: readonly (readonly unknown[])[], total: number): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')
  const more = total > rows.length ? `<p>${total - rows.length} more not shown (use GET /v1/routes).</p>` : ''
  return `<table>${head}\n${body}</table>${rows.length === 0 ? '<p>none</p>' : ''}${more}`
}

export function renderLookingGlass (facade: DaemonFacade): string {
  const h = facade.health()
  const peers = facade.peers().map(toPeerJson)
  const routes = facade.routes().map((r) => toRouteJson(r, facade.window?.bind(facade)))
  const windows = facade.windows?.() ?? []
  const windowRows = windows.slice(0, MAX_LG_ROWS).map((w) => [
    w.capability, `${w.org}/${w.agent}`, w.window.tasks, w.window.inFlight, w.window.tokensPerMinute ?? '∞', w.window.usdPerMinute ?? '∞', w.window.congested ? 'congested' : ''
  ])
  const budgets = facade.budgets?.() ?? []
  const budgetRows = budgets.map((b) => [b.id, b.usdPerDay ?? '—', b.usdPerMinute ?? '—', round(b.spentTodayUsd), round(b.spentLastMinuteUsd), round(b.spentTotalUsd)])
  const peerRows = peers.slice(0, MAX_LG_ROWS).map((p) => [`${p.org}/${p.site ?? '-'}`, p.role, p.state, p.routesReceived, p.routesSent, p.peerId])
  const routeRows = routes.slice(0, MAX_LG_ROWS).map((r) => [
    r.best ? '>' : '', r.capability, `${r.org}/${r.site}`, r.agent, r.path.join(' '), r.clusterList.join(' '),
    r.costUsd, `${r.latencyMs.p50}/${r.latencyMs.p95}`, `${r.winRate.wins}/${r.winRate.trials}`, r.region, r.state, r.penalty
  ])
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>atpd ${escapeHtml(h.org)} looking glass</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-family:ui-monospace,monospace;font-size:13px}
th{background:#f0f0f0}
</style></head><body>
<h1>atpd looking glass: ${escapeHtml(h.org)} (${escapeHtml(h.role)})</h1>
<p>peer id <code>${escapeHtml(h.peerId)}</code> · ${h.ok ? 'up' : 'not ready'}</p>
<h2>Peers (${peers.length})</h2>
${table(['org/site', 'role', 'state', 'received', 'sent', 'peer id'], peerRows, peers.length)}
<h2>Routes (${routes.length})</h2>
${table(['best', 'capability', 'origin org/site', 'agent', 'org path', 'cluster list', 'cost USD', 'p50/p95 ms', 'wins/trials', 'region', 'state', 'penalty'], routeRows, routes.length)}
<h2>Congestion windows (${windows.length})</h2>
${table(['capability', 'path', 'window tasks', 'in flight', 'tokens/min', 'USD/min', ''], windowRows, windows.length)}
<h2>Budgets (${budgets.length})</h2>
${table(['id', 'USD/day', 'USD/min', 'spent today', 'last minute', 'total'], budgetRows, budgets.length)}
</body></html>
`
}

function round (usd: number): string {
  return usd.toFixed(4)
}

export async function lookingGlassRoute (app: FastifyInstance, opts: { facade: DaemonFacade }): Promise<void> {
  app.get('/', async (_request, reply) => await reply.type('text/html; charset=utf-8').send(renderLookingGlass(opts.facade)))
}
