/**
 * The looking glass's pages beyond the overview: a resolve form's result page and one
 * route's detail, both server-rendered HTML that works without JavaScript. The parts
 * that live outside the routing engine (audit tail, memory) are read by a small inline
 * script from the JSON API, so the page never waits for them.
 */
import type { FastifyInstance } from 'fastify'
import type { ResolveQuery } from '../../reflector/index.ts'
import type { DaemonFacade } from './facade.ts'
import { escapeHtml, lgPage, lgTable } from './lg-html.ts'
import { noMatchHint } from './routes-v1.ts'
import { toCandidateJson, toRouteJson } from './views.ts'

interface ResolveForm { capability?: string, maxCostUsd?: string, maxLatencyMs?: string, region?: string }

function numberOrUndefined (raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  const n = Number(raw)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

export function renderResolve (facade: DaemonFacade, form: ResolveForm): string {
  const capability = (form.capability ?? '').trim()
  const query: ResolveQuery = {
    capability,
    ...(numberOrUndefined(form.maxCostUsd) !== undefined ? { maxCostUsd: numberOrUndefined(form.maxCostUsd) } : {}),
    ...(numberOrUndefined(form.maxLatencyMs) !== undefined ? { maxLatencyMs: numberOrUndefined(form.maxLatencyMs) } : {}),
    ...(form.region !== undefined && form.region.trim() !== '' ? { region: form.region.trim() } : {})
  }
  let body: string
  if (capability === '') {
    body = '<p class="error">enter a capability</p>'
  } else {
    const result = facade.resolve(query)
    if (result === undefined) {
      body = `<p class="error" id="resolve-error">no route matches capability '${escapeHtml(capability)}'${escapeHtml(noMatchHint(facade, capability))}</p>`
    } else if (result.candidates.length === 0) {
      body = `<p class="error" id="resolve-error">routes for '${escapeHtml(result.capability)}' exist but none is usable under these constraints</p>`
    } else {
      const rows = result.candidates.map((c, i) => {
        const j = toCandidateJson(c)
        return [i + 1, routeLink(j.capability, j.org, j.agent, `${j.org}/${j.agent}`), j.costUsd, `${j.latencyMs.p50}/${j.latencyMs.p95}`, `${j.winRate.wins}/${j.winRate.trials}`, j.region, j.state, c.score.toFixed(3), j.reason, j.endpoint]
      })
      body = `<p>longest match: <code id="resolve-capability">${escapeHtml(result.capability)}</code></p>\n` +
        lgTable(['rank', 'path', 'cost USD', 'p50/p95 ms', 'wins/trials', 'region', 'state', 'score', 'decided by', 'endpoint'], rows, rows.length, { id: 'resolve-result', raw: [1] })
    }
  }
  return lgPage(`resolve ${capability}`, `<h1>resolve <code>${escapeHtml(capability)}</code></h1>\n${resolveFormHtml(form)}\n${body}\n<p><a href="/">back to the looking glass</a></p>`)
}

export function resolveFormHtml (form: ResolveForm = {}): string {
  const field = (name: keyof ResolveForm, label: string, size: number): string =>
    `<label>${label} <input name="${name}" size="${size}" value="${escapeHtml(form[name] ?? '')}"></label>`
  return `<form id="resolve-form" method="get" action="/lg/resolve">${field('capability', 'capability', 28)} ${field('maxCostUsd', 'max cost USD', 6)} ` +
    `${field('maxLatencyMs', 'max latency ms', 6)} ${field('region', 'region', 6)} <button type="submit">resolve</button></form>`
}

export function routeLink (capability: string, org: string, agent: string, text: string): string {
  const q = new URLSearchParams({ capability, org, agent })
  return `<a href="/lg/route?${escapeHtml(q.toString())}">${escapeHtml(text)}</a>`
}

export function renderRouteDetail (facade: DaemonFacade, capability: string, org: string, agent: string): string | undefined {
  const view = facade.routes(capability).find((v) => v.route.attrs.capability === capability && v.route.attrs.originOrg === org && v.route.attrs.agentId === agent)
  if (view === undefined) return undefined
  const j = toRouteJson(view) as unknown as Record<string, unknown>
  const attrs = Object.entries(j).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`).join('\n')
  const timeline = [
    ['originated (origin signed this version)', j.originatedAt],
    ['win-rate measured', j.measuredAt],
    ['state now', `${String(j.state)}, penalty ${String(j.penalty)}`]
  ].map(([what, when]) => `<tr><td>${escapeHtml(what)}</td><td>${escapeHtml(when ?? '—')}</td></tr>`).join('\n')
  const filter = JSON.stringify({ capability, org, agent }).replace(/</g, '\\u003c')
  return lgPage(`${capability} from ${org}/${agent}`, `<h1><code>${escapeHtml(capability)}</code> from ${escapeHtml(org)}/${escapeHtml(agent)}</h1>
<h2>All attributes</h2>
<table id="route-attributes">${attrs}</table>
<h2>Freshness timeline</h2>
<table>${timeline}</table>
<h2>Penalty and route history (audit log)</h2>
<table id="route-history"><tr><th>seq</th><th>time</th><th>event</th><th>detail</th></tr></table>
<script>
(async () => {
  const f = ${filter}
  const res = await fetch('/v1/audit?limit=500')
  if (!res.ok) return
  const t = document.getElementById('route-history')
  for (const r of (await res.json()).records) {
    const e = r.event
    if (e.capability !== f.capability || (e.org !== undefined && e.org !== f.org) || (e.agent !== undefined && e.agent !== f.agent)) continue
    const row = t.insertRow()
    for (const v of [r.seq, new Date(r.atMs).toISOString(), e.kind, e.detail ?? '']) row.insertCell().textContent = String(v)
  }
})()
</script>
<p><a href="/">back to the looking glass</a></p>`)
}

export async function lookingGlassPages (app: FastifyInstance, opts: { facade: DaemonFacade }): Promise<void> {
  const html = 'text/html; charset=utf-8'
  app.get<{ Querystring: ResolveForm }>('/lg/resolve', { schema: { hide: true } }, async (request, reply) =>
    await reply.type(html).send(renderResolve(opts.facade, request.query)))
  app.get<{ Querystring: { capability?: string, org?: string, agent?: string } }>('/lg/route', { schema: { hide: true } }, async (request, reply) => {
    const { capability = '', org = '', agent = '' } = request.query
    const page = renderRouteDetail(opts.facade, capability, org, agent)
    if (page === undefined) return await reply.code(404).type(html).send(lgPage('no such route', `<p class="error">no route ${escapeHtml(capability)} from ${escapeHtml(org)}/${escapeHtml(agent)}</p><p><a href="/">back</a></p>`))
    return await reply.type(html).send(page)
  })
}
