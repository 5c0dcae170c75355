// A consumer's outcomes: a failing agent can be demoted below every healthy one (circuit
// breaker with a half-open probe, a named step), outcomes for unknown paths are refused,
// reported latency and cost count, and outcomes survive a restart (the snapshot).
import { describe, expect, it } from 'vitest'
import { BREAKER_FAILURES, BREAKER_OPEN_MS } from '../../../agp/winrate/local-outcomes.ts'
import { partnerConsumer, type SpeakerHarness } from '../../helpers/speaker-harness.ts'

const CAP = 'code-review'

const consumer = (): SpeakerHarness => partnerConsumer(CAP)

const ranking = (h: SpeakerHarness): { agent: string, reason: string }[] =>
  (h.node('pc').resolve({ capability: CAP }, h.nowMs)?.candidates ?? []).map((c) => ({ agent: c.view.route.attrs.agentId, reason: c.reason }))

const report = (h: SpeakerHarness, agentId: string, success: boolean, extra: { latencyMs?: number, costUsd?: number } = {}): boolean =>
  h.node('pc').recordOutcome({ org: 'a', agent: agentId, capability: CAP, success, ...extra }, h.nowMs)

describe('speaker: consumer outcomes', () => {
  it('100 failures in 100 put an agent below every healthy one, by a named step', () => {
    const h = consumer()
    expect(ranking(h)[0]?.agent).toBe('star')
    for (let i = 0; i < 100; i++) report(h, 'star', false)
    const r = ranking(h)
    expect(r.map((c) => c.agent)).toEqual(['h1', 'h2', 'star'])
    expect(r[2]?.reason).toBe('breaker-closed-first')
    expect(h.node('pc').outcomes(h.nowMs).find((o) => o.agent === 'star')).toMatchObject({ consecutiveFailures: 100, breaker: 'open' })
  })

  it('half-opens after the interval (a probe); a failed probe re-opens, a success closes', () => {
    const h = consumer()
    for (let i = 0; i < BREAKER_FAILURES; i++) report(h, 'star', false)
    expect(ranking(h).at(-1)?.agent).toBe('star')
    h.runFor(BREAKER_OPEN_MS)
    expect(h.node('pc').outcomes(h.nowMs).find((o) => o.agent === 'star')?.breaker).toBe('half-open')
    expect(ranking(h).at(-1)?.agent).not.toBe('star')
    report(h, 'star', false)
    expect(ranking(h).at(-1)?.agent).toBe('star')
    h.runFor(BREAKER_OPEN_MS)
    report(h, 'star', true)
    expect(h.node('pc').outcomes(h.nowMs).find((o) => o.agent === 'star')).toMatchObject({ consecutiveFailures: 0, breaker: 'closed' })
  })

  it('a half-open breaker gives its probe to one resolve; the others rank the path as open until the outcome', () => {
    const h = consumer()
    for (let i = 0; i < BREAKER_FAILURES; i++) report(h, 'star', false)
    h.runFor(BREAKER_OPEN_MS)
    // The first caller is the probe: star ranks first again for it.
    expect(ranking(h)[0]?.agent).toBe('star')
    // Concurrent callers keep the open behaviour: star last, by the breaker step.
    const second = ranking(h)
    expect(second.map((c) => c.agent)).toEqual(['h1', 'h2', 'star'])
    expect(second[2]?.reason).toBe('breaker-closed-first')
    expect(ranking(h).at(-1)?.agent).toBe('star')
    report(h, 'star', true)
    expect(ranking(h)[0]?.agent).toBe('star')
    expect(ranking(h)[0]?.agent).toBe('star')
  })

  it('refuses outcomes for paths it does not know', () => {
    const h = consumer()
    expect(report(h, 'nobody', false)).toBe(false)
    expect(h.node('pc').recordOutcome({ org: 'a', agent: 'star', capability: 'translate', success: false }, h.nowMs)).toBe(false)
    expect(report(h, 'star', true)).toBe(true)
    expect(h.node('pc').outcomes(h.nowMs).map((o) => o.agent)).toEqual(['star'])
  })

  it('ranks on the latency and cost the consumer reports, not only the advertised ones', () => {
    const h = consumer()
    for (let i = 0; i < 20; i++) report(h, 'star', true, { latencyMs: 60_000, costUsd: 5 })
    expect(ranking(h)[0]?.agent).not.toBe('star')
    expect(h.node('pc').outcomes(h.nowMs).find((o) => o.agent === 'star')?.costUsd).toBeGreaterThan(4)
  })

  it('keeps outcomes and breakers across a restart (in the snapshot)', () => {
    const h = consumer()
    for (let i = 0; i < BREAKER_FAILURES; i++) report(h, 'star', false)
    const snapshot = h.node('pc').snapshot()
    expect(snapshot.outcomes?.map((o) => o.key)).toEqual(['a/star'])
    h.restart('pc', snapshot)
    h.runFor(2000)
    expect(h.node('pc').outcomes(h.nowMs).find((o) => o.agent === 'star')).toMatchObject({ consecutiveFailures: BREAKER_FAILURES, breaker: 'open' })
    expect(ranking(h).at(-1)?.agent).toBe('star')
  })
})
