import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../daemon/metrics/metrics.ts'

describe('daemon metrics', () => {
  it('exports every series at zero before anything happens', async () => {
    const text = await createMetrics().render()
    for (const line of [
      'atpd_sessions{state="open-confirm"} 0', 'atpd_routes{state="suppressed"} 0', 'atpd_updates_total{direction="out"} 0',
      'atpd_decode_errors_total 0', 'atpd_signature_failures_total 0', 'atpd_max_routes_trips_total 0',
      'atpd_damping_suppressions_total 0', 'atpd_resolve_duration_seconds_count 0'
    ]) expect(text).toContain(line)
  })

  it('route signatures verified follow the Speaker\'s running total (one per route), never going back', async () => {
    let total = 0
    const m = createMetrics({ collect: () => { m.setRouteSignaturesVerified(total) } })
    expect(await m.render()).toContain('atpd_route_signatures_verified_total 0')
    total = 130
    expect(await m.render()).toContain('atpd_route_signatures_verified_total 130')
    total = 200
    expect(await m.render()).toContain('atpd_route_signatures_verified_total 200')
  })

  it('counts events and replaces state gauges at each scrape through collect', async () => {
    let routeStates: ('active' | 'stale' | 'suppressed')[] = ['active', 'active', 'stale']
    const m = createMetrics({ collect: () => { m.setSessionStates(['established', 'connect']); m.setRouteStates(routeStates) } })
    m.updates('out', 3, 40)
    m.decodeError()
    m.signatureFailure()
    m.signatureFailure()
    m.maxRoutesTrip()
    m.dampingSuppression()
    m.observeResolve(0.002)
    m.apiRequest('PUT', '/v1/agents/:id', 201)
    let text = await m.render()
    expect(text).toContain('atpd_updates_total{direction="out"} 3')
    expect(text).toContain('atpd_update_routes_total{direction="out"} 40')
    expect(text).toContain('atpd_signature_failures_total 2')
    expect(text).toContain('atpd_max_routes_trips_total 1')
    expect(text).toContain('atpd_damping_suppressions_total 1')
    expect(text).toContain('atpd_resolve_duration_seconds_bucket{le="0.0025"} 1')
    expect(text).toContain('atpd_api_requests_total{method="PUT",route="/v1/agents/:id",status="201"} 1')
    expect(text).toContain('atpd_sessions{state="established"} 1')
    expect(text).toContain('atpd_routes{state="active"} 2')
    routeStates = ['suppressed']
    text = await m.render()
    expect(text).toContain('atpd_routes{state="active"} 0')
    expect(text).toContain('atpd_routes{state="suppressed"} 1')
  })

  it('two daemons in one process keep separate registries', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.decodeError()
    expect(await b.render()).toContain('atpd_decode_errors_total 0')
  })

  it('batch refreshes follow the Speaker\'s running totals, never going back', async () => {
    let totals = { originated: 0, received: 0, routesRestamped: 0 }
    const m = createMetrics({ collect: () => { m.setBatchRefreshTotals(totals) } })
    expect(await m.render()).toContain('atpd_batch_refresh_routes_total 0')
    totals = { originated: 3, received: 5, routesRestamped: 320 }
    const text = await m.render()
    expect(text).toContain('atpd_batch_refreshes_total{direction="originated"} 3')
    expect(text).toContain('atpd_batch_refreshes_total{direction="received"} 5')
    expect(text).toContain('atpd_batch_refresh_routes_total 320')
    totals = { originated: 3, received: 4, routesRestamped: 320 }
    expect(await m.render()).toContain('atpd_batch_refreshes_total{direction="received"} 5')
  })
})
