/**
 * The task traffic part of the HTML report: per-path windows (the sum of the consumers'
 * task windows), tasks served and dropped per time bucket, the mean wait in the
 * consumers' queues, and cumulative spend per consumer org.
 */
import type { SimResult } from '../run.ts'
import { COLORS, escapeHtml, lineChart, type Series } from './svg.ts'


export function taskSection (result: SimResult): string {
  const t = result.taskTimeline
  const tasks = result.report.tasks
  if (t === undefined || tasks === undefined) return ''
  const endMs = result.report.endMs
  const at = (j: number): number => (j + 0.5) * t.bucketMs
  const perPath = (pick: (p: { window: number[], served: number[], rejected: number[] }) => number[]): Series[] =>
    [...t.paths.entries()].map(([key, p], i) => ({ name: key, color: COLORS[i % COLORS.length] as string, points: pick(p).map((v, j) => [at(j), v] as const) }))
  const spend: Series[] = [...t.spend.entries()].map(([org, xs], i) => ({ name: org, color: COLORS[i % COLORS.length] as string, points: xs.map((v, j) => [at(j), v] as const) }))
  const queue: Series = { name: 'mean wait in the consumer queue', color: COLORS[0] as string, points: t.queueDelayMs.map((v, j) => [at(j), v] as const) }
  const rows = tasks.paths.map((p) => `<tr><td>${escapeHtml(p.org)}/${escapeHtml(p.agent)}</td><td>${escapeHtml(p.capability)}</td><td>${p.served}</td><td>${p.rejected}</td><td>${p.p95Ms ?? '—'}</td><td>${p.windowTasks.min} / ${p.windowTasks.max} / ${p.windowTasks.final}</td></tr>`).join('')
  const legend = [...t.paths.keys()].map((k, i) => `<span style="color:${COLORS[i % COLORS.length] as string}">■ ${escapeHtml(k)}</span>`).join(' ')
  return `<h2>Task traffic</h2><p>Latency target ${tasks.sloMs === null ? 'each path\u2019s advertised p95' : `${tasks.sloMs} ms`}. ${legend}</p>
<table><tr><th>path</th><th>capability</th><th>served</th><th>rejected</th><th>p95 ms</th><th>window min / max / final</th></tr>${rows}</table>
<h3>Task windows</h3><p>Sum of the consumers' task windows on each path.</p>${lineChart(perPath((p) => p.window), { yLabel: 'tasks', xMax: endMs, steps: true })}
<h3>Tasks served</h3>${lineChart(perPath((p) => p.served), { yLabel: 'tasks per bucket', xMax: endMs })}
<h3>Tasks dropped</h3><p>Refused by a consumer's window or budget, answered overloaded, or timed out.</p>${lineChart(perPath((p) => p.rejected), { yLabel: 'tasks per bucket', xMax: endMs })}
<h3>Queueing delay</h3>${lineChart([queue], { yLabel: 'ms', xMax: endMs })}
<h3>Spend</h3>${lineChart(spend, { yLabel: 'USD (cumulative)', xMax: endMs })}
`
}
