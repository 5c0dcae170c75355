/** Table columns shared by `atp routes` and `atp resolve`. */
import type { RouteJson } from '../../../daemon/api/views.ts'
import type { Column } from '../../table.ts'

export function winRateText (w: RouteJson['winRate']): string {
  return w.trials === 0 ? '-' : `${w.wins}/${w.trials}`
}

export const ROUTE_COLUMNS: readonly Column<RouteJson>[] = [
  { header: 'ORIGIN', value: (r) => `${r.org}/${r.site}` },
  { header: 'AGENT', value: (r) => r.agent },
  { header: 'COST $', value: (r) => r.costUsd, align: 'right' },
  { header: 'P50 MS', value: (r) => r.latencyMs.p50, align: 'right' },
  { header: 'P95 MS', value: (r) => r.latencyMs.p95, align: 'right' },
  { header: 'WINS', value: (r) => winRateText(r.winRate), align: 'right' },
  { header: 'REGION', value: (r) => r.region === '' ? '-' : r.region },
  { header: 'STATE', value: (r) => r.state }
]
