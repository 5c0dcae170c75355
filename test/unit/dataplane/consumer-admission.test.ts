// The consumer's admission walk: a refused path spills to the next one; no path with
// room is an OverWindow (or OverBudget) refusal with a retry-after; an overload answer
// settles as `overloaded` so the window cuts.
import { SendMessageRequest } from '@a2a-js/sdk'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { PathChoice } from '../../../agp/task/forwarding.ts'
import { A2A_TASK_COMPLETED, TaskErrorCode } from '../../../agp/task/task-frame.ts'
import type { ResolveResult } from '../../../reflector/index.ts'
import type { AdmitAnswer, TaskAdmission, TaskSettlement } from '../../../daemon/dataplane/admission.ts'
import { Consumer } from '../../../daemon/dataplane/consumer.ts'
import type { TaskRouter } from '../../../daemon/dataplane/task-router.ts'
import type { ReplySink } from '../../../daemon/dataplane/task-leg.ts'
import { NOOP_LEG } from '../../../daemon/dataplane/task-leg.ts'

const CONFIG = { timeoutMs: 1000, attempts: 3, maxInFlight: 10, maxMessageBytes: 65536 }

function consumerWith (answers: Record<string, AdmitAnswer>, reply: (org: string, sink: ReplySink) => void): { consumer: Consumer, settled: [string, TaskSettlement][], sentTo: string[], sizes: number[], sentBytes: number[] } {
  const settled: [string, TaskSettlement][] = []
  const sentTo: string[] = []
  const sizes: number[] = []
  const sentBytes: number[] = []
  const admission: TaskAdmission = {
    admit: (p: PathChoice, _nowMs: number, messageBytes: number) => { sizes.push(messageBytes); return answers[p.originOrg] ?? true },
    settle: (p, s) => { settled.push([p.originOrg, s]) }
  }
  const router = {
    dispatch: (request: { originOrg: string, consumerOrg?: string, a2aRequest: Uint8Array }, _requester: string, sink: ReplySink) => {
      sentTo.push(`${request.originOrg}:${request.consumerOrg ?? ''}`)
      sentBytes.push(request.a2aRequest.byteLength)
      reply(request.originOrg, sink)
      return NOOP_LEG
    }
  } as unknown as TaskRouter
  const candidate = (org: string): unknown => ({ view: { route: { attrs: { capability: 'review', originOrg: org, agentId: 'rev', costUsd: 0.1 } } } })
  const resolved = { capability: 'review', candidates: [candidate('busy'), candidate('spare')] } as unknown as ResolveResult
  const consumer = new Consumer({
    router, resolve: () => resolved, recordOutcome: async () => {}, admission, logger: pino({ level: 'silent' }), nowMs: () => 0
  }, 'initech', CONFIG)
  return { consumer, settled, sentTo, sizes, sentBytes }
}

const task = { taskId: 't1', query: { capability: 'review' }, request: { tenant: '', message: undefined, configuration: undefined, metadata: undefined }, stream: false, onEvent: () => {} }

describe('Consumer admission', () => {
  it('admits with the size of the request as it travels (the windows estimate tokens from it)', async () => {
    const text = 'x'.repeat(5000)
    const request = SendMessageRequest.fromJSON({ message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text }] } })
    const big = { ...task, request }
    const { consumer, sizes, sentBytes } = consumerWith({ busy: 'full' },
      (_org, sink) => { sink({ type: 'accepted' }); sink({ type: 'end', agentLatencyMs: 5, costUsd: 0.1, finalState: A2A_TASK_COMPLETED }) })
    expect((await consumer.run(big as never)).ok).toBe(true)
    expect(sizes).toHaveLength(2)
    expect(sizes[0]).toBeGreaterThan(5000)
    expect(sizes).toEqual([sentBytes[0], sentBytes[0]])
  })

  it('spills a task refused by the first path\'s window to the next path, naming its org', async () => {
    const { consumer, sentTo } = consumerWith({ busy: { reason: 'over-window', text: 'over window on busy/rev, retry after 2 s', retryAfterMs: 2000 } },
      (_org, sink) => { sink({ type: 'accepted' }); sink({ type: 'end', agentLatencyMs: 5, costUsd: 0.1, finalState: A2A_TASK_COMPLETED }) })
    const r = await consumer.run(task)
    expect(r.ok).toBe(true)
    expect(sentTo).toEqual(['spare:initech'])
  })

  it('refuses with OverWindow and the retry-after when no path has room, and OverBudget first', async () => {
    const full = { reason: 'over-window' as const, text: 'over window, retry after 2 s', retryAfterMs: 2000 }
    const { consumer, sentTo } = consumerWith({ busy: full, spare: full }, () => { throw new Error('nothing may leave') })
    const r = await consumer.run(task)
    expect(r).toMatchObject({ ok: false, accepted: false, retryAfterMs: 2000, error: { code: TaskErrorCode.OverWindow, org: 'initech', text: 'over window, retry after 2 s' } })
    expect(sentTo).toEqual([])
    const budget = { reason: 'over-budget' as const, text: 'over budget \'daily\', retry after 60 s', retryAfterMs: 60_000 }
    const b = await consumerWith({ busy: budget, spare: full }, () => {}).consumer.run(task)
    expect(b).toMatchObject({ ok: false, retryAfterMs: 60_000, error: { code: TaskErrorCode.OverBudget } })
  })

  it('settles an overload answer as overloaded and tries the next path', async () => {
    const { consumer, settled } = consumerWith({}, (org, sink) => {
      if (org === 'busy') sink({ type: 'error', code: TaskErrorCode.Overloaded, text: 'origin limit', org })
      else { sink({ type: 'accepted' }); sink({ type: 'end', agentLatencyMs: 5, costUsd: 0.1, finalState: A2A_TASK_COMPLETED }) }
    })
    const r = await consumer.run(task)
    expect(r.ok).toBe(true)
    expect(settled.map(([org, s]) => `${org}:${s.outcome}`)).toEqual(['busy:overloaded', 'spare:success'])
  })
})
