// GET /v1/resolve over a real Speaker: the answer is written from kept pieces (the
// facts of each route, resolve-body.ts) and from the capability's kept ranking, and
// every change that moves the ranking or a candidate shows up in the very next answer:
// outcomes and the circuit breaker, an origin's new route, damping, time.
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createApiServer } from '../../../daemon/api/server.ts'
import { toCandidateJson } from '../../../daemon/api/views.ts'
import { BREAKER_FAILURES } from '../../../agp/winrate/local-outcomes.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { agent, partnerConsumer, type SpeakerHarness } from '../../helpers/speaker-harness.ts'

const CAP = 'code-review'

interface CandidateBody { agent: string, costUsd: number, originSeq: number, penalty: number, score: number, reason: string }

describe('GET /v1/resolve over a Speaker', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => { await app?.close() })

  /** pc consumes three agents of org a through a partner session; the API is pc's. */
  async function consumer (): Promise<{ h: SpeakerHarness, answer: () => Promise<CandidateBody[]> }> {
    const h = partnerConsumer(CAP)
    const facade = createFakeFacade()
    facade.resolve = (q) => h.node('pc').resolve(q, h.nowMs)
    app = await createApiServer({ facade })
    const server = app
    const answer = async (): Promise<CandidateBody[]> => {
      const res = await server.inject({ method: 'GET', url: `/v1/resolve?capability=${CAP}` })
      expect(res.statusCode).toBe(200)
      return res.json().candidates
    }
    return { h, answer }
  }

  const names = (cs: readonly CandidateBody[]): string[] => cs.map((c) => c.agent)

  it('answers what the Speaker ranks, field for field', async () => {
    const { h, answer } = await consumer()
    const expected = (h.node('pc').resolve({ capability: CAP, limit: 10 }, h.nowMs)?.candidates ?? []).map((c) => toCandidateJson(c))
    expect(await answer()).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(names(await answer())).toEqual(['star', 'h1', 'h2'])
  })

  it('demotes a path whose breaker opened in the next answer', async () => {
    const { h, answer } = await consumer()
    expect(names(await answer())).toEqual(['star', 'h1', 'h2'])
    for (let i = 0; i < BREAKER_FAILURES; i++) h.node('pc').recordOutcome({ org: 'a', agent: 'star', capability: CAP, success: false }, h.nowMs)
    const after = await answer()
    expect(names(after)).toEqual(['h1', 'h2', 'star'])
    expect(after[2]?.reason).toBe('breaker-closed-first')
  })

  it('shows an origin\'s new route of the same path, and the damping penalty it earned, in the next answer', async () => {
    const { h, answer } = await consumer()
    const before = (await answer()).find((c) => c.agent === 'h2')
    h.input('pa', { type: 'agent-upsert', agent: agent('h2', CAP, { costUsd: 0.001, latencyMs: { p50: 40, p95: 90 }, winRate: { wins: 1000, trials: 1000 } }) })
    h.runFor(1000)
    const after = await answer()
    expect(after[0]).toMatchObject({ agent: 'h2', costUsd: 0.001 })
    expect(after[0]?.originSeq).toBeGreaterThan(before?.originSeq ?? Infinity)
    const view = h.node('pc').routes(h.nowMs, CAP).find((v) => v.route.attrs.agentId === 'h2')
    expect(after[0]?.penalty).toBeGreaterThan(0)
    expect(after[0]?.penalty).toBe(view?.penalty)
  })

  it('scores every answer at its own time: the same routes, older evidence, another score', async () => {
    const { h, answer } = await consumer()
    const first = await answer()
    h.runFor(30_000)
    const later = await answer()
    expect(names(later)).toEqual(names(first))
    expect(later.map((c) => c.originSeq)).toEqual(first.map((c) => c.originSeq))
    expect(later[1]?.score).not.toBe(first[1]?.score)
  })
})
