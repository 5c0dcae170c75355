/**
 * The self-contained HTML report: inline SVG, no script, no external asset.
 * Charts: messages over time, routes by state, convergence timeline, penalty curves
 * of the worst flappers, regret of resolved routes versus the true best.
 */
import { compareGlobal, globalScore } from '../../agp/index.ts'
import type { DampingParams, Route } from '../../agp/index.ts'
import type { PenaltySample } from '../checkers/damping-checker.ts'
import type { SimResult } from '../run.ts'
import { TIME_BUCKETS } from './metrics.ts'
import type { FinalTable } from './report.ts'
import { barChart, COLORS, escapeHtml, lineChart, type Series, type Threshold } from './svg.ts'
import { taskSection } from './task-html.ts'

const WORST_FLAPPERS = 5

export interface RegretSummary {
  /** (node, capability) pairs resolved. */
  readonly resolved: number
  /** Of those, how many resolved to the true best. */
  readonly optimal: number
  readonly meanRegret: number
  readonly maxRegret: number
  readonly histogram: readonly { label: string, value: number }[]
}

/**
 * Regret of each node's resolved route (its first usable path per capability) versus
 * the true best: the best by the global order among all usable agents of that
 * capability at the end. Regret = difference of global scores (≥ 0 when the node is
 * behind; a local preference or freshness step may make it pick a lower score).
 */
export function regret (final: FinalTable, originRoutes: readonly Route[]): RegretSummary {
  const best = new Map<string, Route>()
  const byPath = new Map<string, Route>()
  for (const r of originRoutes) {
    byPath.set(`${r.attrs.capability}|${r.attrs.originOrg}/${r.attrs.agentId}`, r)
    const cur = best.get(r.attrs.capability)
    if (cur === undefined || compareGlobal(r, cur) < 0) best.set(r.attrs.capability, r)
  }
  const values: number[] = []
  for (const caps of Object.values(final)) {
    for (const [cap, paths] of Object.entries(caps)) {
      const top = best.get(cap)
      const chosen = paths[0] !== undefined ? byPath.get(`${cap}|${paths[0]}`) : undefined
      if (top === undefined || chosen === undefined) continue
      values.push(Math.max(0, globalScore(top.attrs) - globalScore(chosen.attrs)))
    }
  }
  const maxRegret = Math.max(0, ...values)
  const edges = [0, 0.01, 0.05, 0.1, 0.2, 0.5, Infinity]
  const histogram = edges.slice(0, -1).map((lo, i) => ({
    label: i === 0 ? '0' : `≤${edges[i + 1] === Infinity ? '∞' : edges[i + 1]}`,
    value: values.filter((v) => i === 0 ? v === 0 : v > lo && v <= (edges[i + 1] as number)).length
  }))
  histogram[0] = { label: '0', value: values.filter((v) => v === 0).length }
  return {
    resolved: values.length,
    optimal: values.filter((v) => v === 0).length,
    meanRegret: values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length,
    maxRegret,
    histogram
  }
}

function penaltyCurve (samples: readonly PenaltySample[], halfLifeS: number, endMs: number): [number, number][] {
  const pts: [number, number][] = []
  samples.forEach((s, i) => {
    const until = (samples[i + 1]?.state.updatedAtMs ?? endMs)
    const from = s.state.updatedAtMs
    const step = Math.max(1, (until - from) / 40)
    for (let t = from; t <= until; t += step) pts.push([t, s.state.penalty * 2 ** (-(t - from) / (halfLifeS * 1000))])
  })
  return pts
}

export interface HtmlMeta {
  readonly file: string
  readonly command: string
  /** Damping parameters of the run: the decay of the penalty curves and the thresholds drawn over them. */
  readonly damping: Pick<DampingParams, 'halfLifeS' | 'suppress' | 'reuse'>
}

function penaltyThresholds (d: HtmlMeta['damping']): Threshold[] {
  return [{ label: 'suppress', value: d.suppress, color: '#c22' }, { label: 'reuse', value: d.reuse, color: '#2a2' }]
}

export function renderHtml (result: SimResult, meta: HtmlMeta): string {
  const r = result.report
  const endMs = r.endMs
  const bucketMs = Math.max(1, endMs) / TIME_BUCKETS
  const msgSeries: Series[] = (['updates', 'withdrawals', 'other'] as const).map((k, i) => ({
    name: k, color: COLORS[i] as string, points: result.timeline.messageBuckets.map((b, j) => [(j + 0.5) * bucketMs, b[k]] as const)
  }))
  const stateSeries: Series[] = (['active', 'suppressed', 'stale', 'unusable'] as const).map((k, i) => ({
    name: k, color: COLORS[i] as string, points: result.timeline.routeStates.map((s) => [s.atMs, s.counts[k]] as const)
  }))
  let cumulative = 0
  const changes: Series = {
    name: 'Loc-RIB changes (cumulative)', color: COLORS[0] as string,
    points: [[0, 0], ...result.timeline.changeTimes.map((c) => [c.atMs, cumulative += c.changes] as const), [endMs, cumulative]]
  }
  const worst = [...result.timeline.penalties]
    .map(([key, samples]) => ({ key, samples, max: Math.max(...samples.map((s) => s.state.maxPenalty)) }))
    .sort((a, b) => b.max - a.max || (a.key < b.key ? -1 : 1)).slice(0, WORST_FLAPPERS)
  const penaltySeries: Series[] = worst.map((w, i) => ({ name: w.key.split('|').slice(0, 3).join(' '), color: COLORS[i % COLORS.length] as string, points: penaltyCurve(w.samples, meta.damping.halfLifeS, endMs) }))
  const reg = regret(r.final, result.originRoutes)
  const verdict = (ok: boolean, text: string): string => `<span class="${ok ? 'ok' : 'bad'}">${escapeHtml(text)}</span>`
  const violations = result.violations.map((v) => `<li>${v.atMs} ms · ${v.checker} · ${escapeHtml(v.node)}: ${escapeHtml(v.detail)}</li>`).join('')
  const damping = r.damping.map((d) => `<tr><td>${escapeHtml(d.node)}</td><td>${escapeHtml(d.org)}/${escapeHtml(d.agent)}</td><td>${escapeHtml(d.capability)}</td><td>${d.suppressedAtMs}</td><td>${d.reusedAtMs ?? '—'}</td><td>${d.maxPenalty}</td></tr>`).join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>atp sim · ${escapeHtml(meta.file)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}p{max-width:60em}svg{display:block;width:100%;height:auto}h2{margin-top:1.6em}.ok{color:#2a2}.bad{color:#c22}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}code{background:#f4f4f4;padding:1px 4px}</style></head>
<body><h1>atp sim</h1>
<p><code>${escapeHtml(meta.command)}</code></p>
<p>${verdict(r.converged, r.converged ? 'converged' : 'not converged')} · ${verdict(!r.oscillating, r.oscillating ? 'oscillating' : 'no oscillation')} ·
${verdict(result.violations.length === 0, `${result.violations.length} checker violation(s)`)} · mode ${result.mode} · seed ${r.seed}</p>
<p>convergence ${r.convergenceMs} ms of ${r.endMs} ms · messages ${r.messages.total} (updates ${r.messages.updates}, withdrawals ${r.messages.withdrawals}) ·
best-path changes ${r.bestPathChanges} · nodes ${Object.keys(r.final).length} · events ${result.events} · state hash <code>${r.stateHash.slice(0, 16)}</code></p>
${violations === '' ? '' : `<h2>Violations</h2><ul>${violations}</ul>`}
<h2>Messages over time</h2>${lineChart(msgSeries, { yLabel: 'routes / frames per bucket', marks: result.timeline.scenarioTimes, xMax: endMs })}
<h2>Routes by state</h2><p>Sampled at up to 48 nodes (reflectors first).</p>${lineChart(stateSeries, { yLabel: 'paths', marks: result.timeline.scenarioTimes, xMax: endMs })}
<h2>Convergence timeline</h2><p>Orange: scenario events. Quiet window for convergence: ${result.quietMs} ms.</p>${lineChart([changes], { yLabel: 'Loc-RIB changes', marks: result.timeline.scenarioTimes, xMax: endMs, steps: true })}
<h2>Penalty curves of the worst flappers</h2>${penaltySeries.length === 0 ? '<p>No flapping path.</p>' : lineChart(penaltySeries, { yLabel: 'penalty', xMax: endMs, thresholds: penaltyThresholds(meta.damping) })}
${damping === '' ? '' : `<table><tr><th>node</th><th>path</th><th>capability</th><th>suppressed at ms</th><th>reused at ms</th><th>max penalty</th></tr>${damping}</table>`}
${result.taskTimeline !== undefined ? taskSection(result) : ''}
<h2>Regret of resolved routes</h2><p>${reg.resolved} (node, capability) pairs; ${reg.optimal} resolve to the true best; mean regret ${reg.meanRegret.toFixed(4)}, max ${reg.maxRegret.toFixed(4)} (global score units).</p>
${barChart(reg.histogram, 'pairs by regret')}
</body></html>
`
}
