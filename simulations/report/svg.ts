/** Minimal inline-SVG charts for the HTML report (no external assets, no scripts). */

export interface Series {
  readonly name: string
  readonly color: string
  readonly points: readonly (readonly [number, number])[]
}

/** Series colours, in order (matplotlib's first six). */
export const COLORS: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2']

const W = 640
const H = 220
const PAD = { l: 56, r: 12, t: 12, b: 28 }
const LEGEND_ROW = 16
/** Rough width of one character at font-size 11, to wrap legend entries before the right edge. */
const CHAR_W = 6.5

/** A labelled horizontal line across the plot (a threshold on the y axis). */
export interface Threshold {
  readonly label: string
  readonly value: number
  readonly color: string
}

/** Scales to the width of its container: a viewBox and width 100%, the height follows the aspect ratio. */
function svgOpen (height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" role="img">`
}

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

function fmt (n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}

/**
 * Line chart (or steps) of several series sharing axes; x in ms shown as seconds.
 * `marks`: vertical lines; `thresholds`: labelled horizontal lines, always inside the y range.
 */
export function lineChart (series: readonly Series[], opts: { yLabel: string, marks?: readonly number[], thresholds?: readonly Threshold[], xMax?: number, steps?: boolean }): string {
  const all = series.flatMap((s) => s.points)
  const thresholds = opts.thresholds ?? []
  const xMax = Math.max(1, opts.xMax ?? 0, ...all.map((p) => p[0]))
  const yMax = Math.max(1, ...all.map((p) => p[1]), ...thresholds.map((t) => t.value * 1.05))
  const x = (v: number): number => PAD.l + (v / xMax) * (W - PAD.l - PAD.r)
  const y = (v: number): number => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b)
  const legendRows = legendLayout(series)
  const parts: string[] = [svgOpen(H + legendRows.length * LEGEND_ROW + (legendRows.length > 0 ? 4 : 0))]
  parts.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="none" stroke="#ccc"/>`)
  for (const m of opts.marks ?? []) parts.push(`<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="#f90" stroke-dasharray="3,3"/>`)
  for (const s of series) {
    if (s.points.length === 0) continue
    let d = ''
    s.points.forEach(([px, py], i) => {
      if (i > 0 && opts.steps === true) d += `L${x(px).toFixed(1)},${y((s.points[i - 1] as readonly [number, number])[1]).toFixed(1)}`
      d += `${i === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`
    })
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"><title>${escapeHtml(s.name)}</title></path>`)
  }
  for (const t of thresholds) {
    const ty = y(t.value).toFixed(1)
    parts.push(`<line class="threshold" x1="${PAD.l}" x2="${W - PAD.r}" y1="${ty}" y2="${ty}" stroke="${t.color}" stroke-dasharray="6,3"><title>${escapeHtml(t.label)}: ${t.value}</title></line>`)
    parts.push(`<text x="${W - PAD.r - 4}" y="${(Number(ty) - 3).toFixed(1)}" font-size="10" text-anchor="end" fill="${t.color}">${escapeHtml(t.label)} ${fmt(t.value)}</text>`)
  }
  parts.push(`<text x="4" y="${PAD.t + 10}" font-size="11">${fmt(yMax)}</text><text x="4" y="${H - PAD.b}" font-size="11">0</text>`)
  parts.push(`<text x="${PAD.l}" y="${H - 8}" font-size="11">0 s</text><text x="${W - PAD.r - 60}" y="${H - 8}" font-size="11">${fmt(xMax / 1000)} s</text>`)
  parts.push(`<text x="${PAD.l + 6}" y="${PAD.t + 12}" font-size="11" fill="#555">${escapeHtml(opts.yLabel)}</text>`)
  parts.push(legend(legendRows), '</svg>')
  return parts.join('')
}

/** Bar chart of labelled values (histograms). */
export function barChart (bars: readonly { label: string, value: number }[], yLabel: string): string {
  const yMax = Math.max(1, ...bars.map((b) => b.value))
  const bw = (W - PAD.l - PAD.r) / Math.max(1, bars.length)
  const parts: string[] = [svgOpen(H)]
  bars.forEach((b, i) => {
    const h = (b.value / yMax) * (H - PAD.t - PAD.b)
    const bx = PAD.l + i * bw
    parts.push(`<rect x="${(bx + 1).toFixed(1)}" y="${(H - PAD.b - h).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7"><title>${escapeHtml(b.label)}: ${b.value}</title></rect>`)
    if (bars.length <= 12) parts.push(`<text x="${(bx + 2).toFixed(1)}" y="${H - 12}" font-size="10">${escapeHtml(b.label)}</text>`)
  })
  parts.push(`<text x="4" y="${PAD.t + 10}" font-size="11">${fmt(yMax)}</text><text x="${PAD.l + 6}" y="${PAD.t + 12}" font-size="11" fill="#555">${escapeHtml(yLabel)}</text></svg>`)
  return parts.join('')
}

interface LegendEntry { readonly series: Series, readonly x: number }

/** Legend entries below the plot, left to right, wrapped onto a new row before the right edge. */
function legendLayout (series: readonly Series[]): LegendEntry[][] {
  const rows: LegendEntry[][] = []
  let row: LegendEntry[] = []
  let cx = PAD.l
  for (const s of series) {
    const w = 14 + s.name.length * CHAR_W + 16
    if (row.length > 0 && cx + w > W - PAD.r) {
      rows.push(row)
      row = []
      cx = PAD.l
    }
    row.push({ series: s, x: cx })
    cx += w
  }
  if (row.length > 0) rows.push(row)
  return rows
}

function legend (rows: readonly LegendEntry[][]): string {
  return rows.flatMap((row, r) => row.map(({ series: s, x }) => {
    const top = H + r * LEGEND_ROW
    return `<rect x="${x.toFixed(1)}" y="${top}" width="10" height="10" fill="${s.color}"/>` +
      `<text x="${(x + 14).toFixed(1)}" y="${top + 9}" font-size="11">${escapeHtml(s.name)}</text>`
  })).join('')
}
