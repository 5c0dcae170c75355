/**
 * GET /: the looking glass — a resolve form, sessions, routes (each linked to its
 * detail page), congestion windows, budgets, and, read by an inline script from the
 * JSON API, memory namespaces with who wrote what and the tail of the audit log.
 * Server-rendered HTML with inline CSS, no external assets, no bundler.
 */
import type { FastifyInstance } from 'fastify'
import type { DaemonFacade } from './facade.ts'
import { escapeHtml, lgPage, lgTable } from './lg-html.ts'
import { lookingGlassPages, resolveFormHtml, routeLink } from './looking-glass-pages.ts'
import { formatUptime } from './uptime.ts'
import { toPeerJson, toRouteJson } from './views.ts'

export { escapeHtml }

/** Rows shown per table: the page stays small however large the RIB. */
export const MAX_LG_ROWS = 500

export function renderLookingGlass (facade: DaemonFacade, nowMs = Date.now()): string {
  const h = facade.health()
  const peers = facade.peers().map(toPeerJson)
  const routes = facade.routes().map((r) => toRouteJson(r, facade.window?.bind(facade)))
  const windows = facade.windows?.() ?? []
  const windowRows = windows.slice(0, MAX_LG_ROWS).map((w) => [
    w.capability, `${w.org}/${w.agent}`, w.window.tasks, w.window.inFlight, w.window.tokensPerMinute ?? '∞', w.window.usdPerMinute ?? '∞', w.window.congested ? 'congested' : ''
  ])
  const budgets = facade.budgets?.() ?? []
  const budgetRows = budgets.map((b) => [b.id, b.usdPerDay ?? '—', b.usdPerMinute ?? '—', round(b.spentTodayUsd), round(b.spentLastMinuteUsd), round(b.spentTotalUsd)])
  const peerRows = peers.slice(0, MAX_LG_ROWS).map((p) => [`${p.org}/${p.site ?? '-'}`, p.role, p.state, formatUptime(p.establishedAtMs, nowMs), p.routesReceived, p.routesSent, p.lastError ?? '', p.peerId, (p.addresses ?? []).join(' ')])
  const routeRows = routes.slice(0, MAX_LG_ROWS).map((r) => [
    r.best ? '>' : '', routeLink(r.capability, r.org, r.agent, r.capability), `${r.org}/${r.site}`, r.agent, r.path.join(' '), r.clusterList.join(' '),
    r.costUsd, `${r.latencyMs.p50}/${r.latencyMs.p95}`, `${r.winRate.wins}/${r.winRate.trials}`, r.region, r.state, r.penalty
  ])
  return lgPage(`atpd ${h.org} looking glass`, `<h1>atpd looking glass: ${escapeHtml(h.org)} (${escapeHtml(h.role)})</h1>
<p>peer id <code>${escapeHtml(h.peerId)}</code> · ${h.ok ? 'up' : 'not ready'} · interests ${escapeHtml(h.interests.length === 0 ? 'everything' : h.interests.join(', '))}</p>
<nav><a href="/metrics">/metrics</a><a href="/openapi.json">/openapi.json (OpenAPI 3.1)</a><a href="/v1/health">/v1/health</a><a href="/">reload</a></nav>
<h2>Resolve</h2>
${resolveFormHtml()}
<h2>Sessions (${peers.length})</h2>
${lgTable(['org/site', 'role', 'state', 'uptime', 'received', 'sent', 'last error', 'peer id', 'addresses'], peerRows, peers.length, { id: 'sessions' })}
<h2>Routes (${routes.length})</h2>
${lgTable(['best', 'capability', 'origin org/site', 'agent', 'org path', 'cluster list', 'cost USD', 'p50/p95 ms', 'wins/trials', 'region', 'state', 'penalty'], routeRows, routes.length, { id: 'routes', raw: [1] })}
<h2>Congestion windows (${windows.length})</h2>
${lgTable(['capability', 'path', 'window tasks', 'in flight', 'tokens/min', 'USD/min', ''], windowRows, windows.length)}
<h2>Budgets (${budgets.length})</h2>
${lgTable(['id', 'USD/day', 'USD/min', 'spent today', 'last minute', 'total'], budgetRows, budgets.length)}
<h2>Memory namespaces</h2>
<div id="memory"><p>loading…</p></div>
<h2>Audit log (latest)</h2>
<table id="audit"><tr><th>seq</th><th>time</th><th>event</th><th>peer</th><th>org</th><th>agent</th><th>capability</th><th>detail</th></tr></table>
<script>${CLIENT_SCRIPT}</script>`)
}


function round (usd: number): string {
  return usd.toFixed(4)
}

/** Memory (who wrote each key) and the audit tail, from the JSON API; absent features leave their section empty. */
const CLIENT_SCRIPT = `
const cell = (row, v) => { row.insertCell().textContent = v === undefined || v === null ? '' : String(v) }
const getJson = async (url) => { const r = await fetch(url); return r.ok ? await r.json() : undefined }
;(async () => {
  const mem = document.getElementById('memory')
  const list = await getJson('/v1/memory')
  mem.textContent = ''
  if (list === undefined || list.namespaces.length === 0) { mem.textContent = 'no memory namespaces'; return }
  for (const ns of list.namespaces) {
    const h = document.createElement('h3')
    h.textContent = ns.id + ' (members ' + ns.members.join(', ') + '; state ' + ns.stateHash.slice(0, 12) + ')'
    const t = document.createElement('table')
    t.className = 'memory-namespace'
    t.insertRow().innerHTML = '<th>key</th><th>value</th><th>written by</th><th>seq</th><th>at</th>'
    mem.append(h, t)
    const body = await getJson('/v1/memory/' + encodeURIComponent(ns.id))
    for (const key of Object.keys(body?.entries ?? {}).slice(0, 50)) {
      const e = await getJson('/v1/memory/' + encodeURIComponent(ns.id) + '/entries/' + encodeURIComponent(key))
      const p = e?.provenance ?? {}
      const row = t.insertRow()
      for (const v of [key, JSON.stringify(e?.value), p.org, p.seq, p.at]) cell(row, v)
    }
  }
})()
;(async () => {
  const a = await getJson('/v1/audit?limit=50')
  const t = document.getElementById('audit')
  for (const r of (a?.records ?? []).reverse()) {
    const e = r.event
    const row = t.insertRow()
    for (const v of [r.seq, new Date(r.atMs).toISOString(), e.kind, e.peer, e.org, e.agent, e.capability, e.detail]) cell(row, v)
  }
})()
`

export async function lookingGlassRoute (app: FastifyInstance, opts: { facade: DaemonFacade }): Promise<void> {
  await lookingGlassPages(app, opts)
  app.get('/', { schema: { hide: true } }, async (_request, reply) => await reply.type('text/html; charset=utf-8').send(renderLookingGlass(opts.facade)))
}
