import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecodeError } from '../../../agp/codec/errors.ts'
import type { Frame, OpenFrame } from '../../../agp/codec/frame.ts'
import { seededRandom } from '../../../kernel/ports.ts'
import { createSession, stepSession } from '../../../agp/session/session.ts'
import type { Session, SessionEvent, SessionTimer } from '../../../agp/session/types.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

const localOpen: OpenFrame = { type: 'open', org: 'acme', site: 'acme', role: 'peer', cluster: '', holdTimeS: 9, capabilities: [], interests: [] }
const peerOpen = (holdTimeS: number, org = 'rr'): OpenFrame =>
  ({ type: 'open', org, site: org, role: 'reflector', cluster: 'rr-1', holdTimeS, capabilities: [], interests: [] })

const frames: Frame[] = [
  peerOpen(9), peerOpen(0), peerOpen(30), peerOpen(2), peerOpen(9, 'evil'),
  { type: 'keepalive' }, { type: 'keepalive' }, { type: 'update', announces: [], withdraws: [] },
  { type: 'end-of-rib' }, { type: 'route-refresh' }, { type: 'notification', code: 6, subcode: 2, text: 'bye' }
]
const timers: SessionTimer[] = ['hold', 'keepalive', 'connect-retry']

/** An event, or 'fire' (the driver fires the earliest armed timer, advancing time to it). */
const step = fc.oneof(
  { weight: 1, arbitrary: fc.constant<SessionEvent>({ type: 'start' }) },
  { weight: 2, arbitrary: fc.boolean().map<SessionEvent>((outbound) => ({ type: 'transport-up', outbound })) },
  { weight: 1, arbitrary: fc.constant<SessionEvent>({ type: 'transport-down', reason: 'reset' }) },
  { weight: 6, arbitrary: fc.constantFrom(...frames).map<SessionEvent>((frame) => ({ type: 'frame', frame })) },
  { weight: 1, arbitrary: fc.constant<SessionEvent>({ type: 'bad-frame', error: new FrameDecodeError('bad', 3, 11) }) },
  { weight: 1, arbitrary: fc.constantFrom(...timers).map<SessionEvent>((timer) => ({ type: 'timer', timer })) },
  { weight: 1, arbitrary: fc.constant<SessionEvent>({ type: 'stop' }) },
  { weight: 1, arbitrary: fc.constant<SessionEvent>({ type: 'fail', code: 6, subcode: 1, text: 'max routes' }) },
  { weight: 4, arbitrary: fc.constant('fire' as const) }
)
/** The happy path as one step, so that random sequences reach established often. */
const handshake: SessionEvent[] = [
  { type: 'start' }, { type: 'transport-up', outbound: true },
  { type: 'frame', frame: peerOpen(9) }, { type: 'frame', frame: { type: 'keepalive' } }
]
const steps = fc.array(fc.oneof(
  { weight: 8, arbitrary: step.map((s) => [s]) },
  { weight: 1, arbitrary: fc.constant(handshake) }
), { maxLength: 60 }).map((xs) => xs.flat())

/** What a correct session's armed timers look like in each state. */
function checkInvariants (s: Session): void {
  const t = s.timers
  expect(['idle', 'connect', 'open-sent', 'open-confirm', 'established']).toContain(s.state)
  switch (s.state) {
    case 'idle':
      expect(t.hold).toBeUndefined()
      expect(t.keepalive).toBeUndefined()
      if (s.stopped || s.config.passive) expect(t['connect-retry']).toBeUndefined()
      else expect(t['connect-retry']).toBeDefined()
      expect(s.outbound).toBeUndefined()
      break
    case 'connect':
      expect(s.stopped).toBe(false)
      expect(Object.keys(t)).toEqual(['connect-retry'])
      break
    case 'open-sent':
      expect(Object.keys(t)).toEqual(['hold'])
      break
    case 'open-confirm':
    case 'established':
      expect(t['connect-retry']).toBeUndefined()
      expect(t.hold !== undefined).toBe(s.holdMs > 0)
      expect(t.keepalive !== undefined).toBe(s.holdMs > 0)
      expect(s.peerOpen).toBeDefined()
      break
  }
  if (s.state !== 'established') expect(s.establishedAtMs).toBeUndefined()
}

describe('session state machine properties', () => {
  it('random event sequences never throw, keep invariants, and timers stay paired with the driver', () => {
    const reached = new Set<string>()
    fc.assert(fc.property(steps, fc.integer(), fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1 }),
      fc.boolean(), (steps, seed, gaps, passive) => {
        const random = seededRandom(seed)
        let s = createSession({ peerId: 'peer-rr', localPeerId: 'peer-acme', expectedOrg: 'rr', expectedRole: 'reflector', localOpen, passive })
        // The driver's view: timers it holds, by deadline. Every effect must make sense to it.
        const driver = new Map<SessionTimer, number>()
        let now = 0
        let downs = 0
        let ups = 0
        for (const [i, st] of steps.entries()) {
          let event: SessionEvent
          if (st === 'fire') {
            const next = [...driver.entries()].sort((a, b) => a[1] - b[1])[0]
            if (next === undefined) continue
            now = Math.max(now, next[1])
            driver.delete(next[0])
            event = { type: 'timer', timer: next[0] }
          } else {
            now += gaps[i % gaps.length] ?? 0
            event = st
            // A timer event the driver does not hold is a stale fire: the session must ignore it.
            if (event.type === 'timer' && driver.has(event.timer)) continue
          }
          const prev = s
          const before = JSON.stringify(prev)
          const out = stepSession(s, event, now, random)
          s = out.session
          for (const e of out.effects) {
            if (e.type === 'set-timer') {
              expect(e.atMs).toBeGreaterThanOrEqual(now)
              driver.set(e.timer, e.atMs)
            }
            if (e.type === 'clear-timer') expect(driver.delete(e.timer)).toBe(true)
            if (e.type === 'established') ups++
            if (e.type === 'down') downs++
          }
          if (event.type === 'timer' && st !== 'fire') expect(out.effects).toEqual([])
          expect(Object.fromEntries(driver)).toEqual(s.timers)
          checkInvariants(s)
          // The input session is never mutated (pure step).
          expect(JSON.stringify(prev)).toBe(before)
        }
        // Sessions alternate: each established is followed by at most one down before the next.
        expect(ups).toBeLessThanOrEqual(downs + 1)
        reached.add(s.state)
        if (ups > 0) reached.add('was-established')
      }), { numRuns })
    // The generator is rich enough to bring sessions up (not only to fail them).
    expect(reached.has('was-established')).toBe(true)
  })
})
