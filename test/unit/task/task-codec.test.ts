import { describe, expect, it } from 'vitest'
import { decodeTaskFrame, encodeTaskFrame } from '../../../agp/task/task-codec.ts'
import { TaskErrorCode, type TaskFrame } from '../../../agp/task/task-frame.ts'
import { nextAttempt } from '../../../agp/task/forwarding.ts'
import { DEFAULT_HEALTH_BAND, INITIAL_HEALTH, probeResult } from '../../../agp/task/agent-health.ts'
import { MeasuredWindow, shouldAdvertise } from '../../../agp/task/measured-window.ts'

const MAX = 1024 * 1024
const request: TaskFrame = {
  type: 'request', taskId: 't-1', capability: 'code-review/python', originOrg: 'acme', agentId: 'reviewer',
  deadlineMs: 30_000, hops: 2, a2aRequest: new TextEncoder().encode('{"message":{}}'), stream: true
}

describe('/atp/task/1.0.0 codec', () => {
  it('round-trips every frame type', () => {
    const frames: TaskFrame[] = [
      request, { type: 'accepted' }, { type: 'event', a2aEvent: new Uint8Array([123, 125]) },
      { type: 'end', agentLatencyMs: 12, costUsd: 0.25, finalState: 3 },
      { type: 'error', code: TaskErrorCode.NotGiven, text: 'no', org: 'rr' }, { type: 'cancel' }
    ]
    for (const f of frames) expect(decodeTaskFrame(encodeTaskFrame(f, MAX), MAX)).toEqual({ ok: true, value: f })
  })

  it('refuses malformed and oversized frames with a typed error, never a throw', () => {
    const bad = decodeTaskFrame(encodeTaskFrame({ ...request, originOrg: 'ACME!' } as TaskFrame, MAX), MAX)
    expect(bad.ok ? undefined : [bad.error.code, bad.error.taskCode]).toEqual(['ERR_TASK_DECODE', TaskErrorCode.BadFrame])
    const big = decodeTaskFrame(new Uint8Array(2048), 1024)
    expect(big.ok ? undefined : big.error.taskCode).toBe(TaskErrorCode.TooLarge)
    expect(decodeTaskFrame(new Uint8Array([0xff, 0xff, 0xff]), MAX).ok).toBe(false)
    expect(() => encodeTaskFrame({ type: 'event', a2aEvent: new Uint8Array(4096) }, 1024)).toThrow(/max 1024/)
  })
})

describe('forwarding decisions', () => {
  it('retries only failures before acceptance, within the attempts', () => {
    expect(nextAttempt({ kind: 'failed', code: TaskErrorCode.Unreachable, accepted: false }, 1, 2, 1000)).toBe('retry')
    expect(nextAttempt({ kind: 'failed', code: TaskErrorCode.Unreachable, accepted: false }, 2, 2, 1000)).toBe('done')
    expect(nextAttempt({ kind: 'failed', code: TaskErrorCode.HopDown, accepted: true }, 1, 3, 1000)).toBe('done')
    expect(nextAttempt({ kind: 'failed', code: TaskErrorCode.Timeout, accepted: false }, 1, 3, 1000)).toBe('done')
    expect(nextAttempt({ kind: 'completed' }, 1, 3, 1000)).toBe('done')
  })

  it('withdraws an agent only after repeated failed probes, and restores it after repeated successes', () => {
    let s = probeResult(INITIAL_HEALTH, true, DEFAULT_HEALTH_BAND, false)
    expect(s.verdict).toBe('advertise')
    s = probeResult(s.state, false, DEFAULT_HEALTH_BAND, true)
    expect(s.verdict).toBe('keep')
    s = probeResult(s.state, false, DEFAULT_HEALTH_BAND, true)
    expect(s.verdict).toBe('withdraw')
    s = probeResult(s.state, true, DEFAULT_HEALTH_BAND, true)
    expect(s.verdict).toBe('keep')
    expect(probeResult(s.state, true, DEFAULT_HEALTH_BAND, true).verdict).toBe('advertise')
  })

  it('measures p50/p95 over a window and re-advertises only outside the band', () => {
    const w = new MeasuredWindow(100, 60_000)
    for (let i = 1; i <= 100; i++) w.record(true, i, 1000)
    const m = w.metrics(1000)
    expect(m).toEqual({ latencyMs: { p50: 50, p95: 95 }, winRate: { wins: 100, trials: 100 } })
    const band = { costRel: 0.1, latencyRel: 0.1, winRateAbs: 0.05 }
    expect(shouldAdvertise(undefined, m!, band)).toBe(true)
    expect(shouldAdvertise(m, { ...m!, latencyMs: { p50: 53, p95: 99 } }, band)).toBe(false)
    expect(shouldAdvertise(m, { ...m!, latencyMs: { p50: 80, p95: 95 } }, band)).toBe(true)
    expect(w.metrics(1000 + 60_001)).toBeUndefined()
  })
})
