import { describe, expect, it } from 'vitest'
import { CeaseSubcode, NotificationCode, OpenSubcode, type Frame, type OpenFrame } from '../../../agp/codec/frame.ts'
import { FrameDecodeError } from '../../../agp/codec/errors.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import type { Random } from '../../../kernel/ports.ts'
import { backoffDelayMs } from '../../../agp/session/backoff.ts'
import { roleCompatible } from '../../../agp/session/open-check.ts'
import { createSession, FsmSubcode, OPEN_HOLD_MS, stepSession } from '../../../agp/session/session.ts'
import type { Session, SessionConfig, SessionEffect, SessionEvent } from '../../../agp/session/types.ts'

const half: Random = { next: () => 0.5 } // no jitter: delay = base × 2^attempt
const localOpen: OpenFrame = { type: 'open', org: 'acme', site: 'acme', role: 'peer', cluster: '', holdTimeS: 90, capabilities: [], interests: [] }
const peerOpen: OpenFrame = { type: 'open', org: 'rr', site: 'rr', role: 'reflector', cluster: 'rr-1', holdTimeS: 30, capabilities: [], interests: [] }
const config: SessionConfig = { peerId: 'peer-rr', localPeerId: 'peer-acme', expectedOrg: 'rr', expectedRole: 'reflector', localOpen }

function step (s: Session, event: SessionEvent, nowMs: number): { session: Session, effects: SessionEffect[] } {
  return stepSession(s, event, nowMs, half)
}

/** Runs events at the given times, returning the final session and the last step's effects. */
function run (events: Array<[SessionEvent, number]>, s: Session = createSession(config)): { session: Session, effects: SessionEffect[] } {
  let out = { session: s, effects: [] as SessionEffect[] }
  for (const [e, t] of events) out = step(out.session, e, t)
  return out
}

const frame = (f: Frame): SessionEvent => ({ type: 'frame', frame: f })
const established: Array<[SessionEvent, number]> = [
  [{ type: 'start' }, 0], [{ type: 'transport-up', outbound: true }, 10], [frame(peerOpen), 20], [frame({ type: 'keepalive' }), 30]
]

describe('session: opening', () => {
  it('starts idle and stopped', () => {
    const s = createSession(config)
    expect(s.state).toBe('idle')
    expect(s.stopped).toBe(true)
    expect(s.timers).toEqual({})
  })

  it('idle --start--> connect: dial and arm a connect timeout', () => {
    const { session, effects } = run([[{ type: 'start' }, 0]])
    expect(session.state).toBe('connect')
    expect(effects).toEqual([{ type: 'dial' }, { type: 'set-timer', timer: 'connect-retry', atMs: 10_000 }])
  })

  it('passive sessions never dial', () => {
    const { session, effects } = run([[{ type: 'start' }, 0]], createSession({ ...config, passive: true }))
    expect(session.state).toBe('idle')
    expect(effects).toEqual([])
    expect(run([[{ type: 'transport-up', outbound: false }, 5]], session).session.state).toBe('open-sent')
  })

  it('connect --transport-up--> open-sent: OPEN sent, hold armed', () => {
    const { session, effects } = run(established.slice(0, 2))
    expect(session.state).toBe('open-sent')
    expect(effects).toEqual([
      { type: 'clear-timer', timer: 'connect-retry' },
      { type: 'send', frame: localOpen },
      { type: 'set-timer', timer: 'hold', atMs: 10 + 90_000 }
    ])
  })

  it('accepts an inbound transport while idle (the neighbor dialed us)', () => {
    const { session } = run([[{ type: 'start' }, 0], [{ type: 'transport-down', reason: 'refused' }, 1], [{ type: 'transport-up', outbound: false }, 2]])
    expect(session.state).toBe('open-sent')
    expect(session.outbound).toBe(false)
    expect(session.timers['connect-retry']).toBeUndefined()
  })

  it('open-sent --OPEN ok--> open-confirm: KEEPALIVE sent, hold negotiated to the minimum, keepalive at hold/3', () => {
    const { session, effects } = run(established.slice(0, 3))
    expect(session.state).toBe('open-confirm')
    expect(session.holdMs).toBe(30_000)
    expect(effects).toEqual([
      { type: 'send', frame: { type: 'keepalive' } },
      { type: 'set-timer', timer: 'hold', atMs: 20 + 30_000 },
      { type: 'set-timer', timer: 'keepalive', atMs: 20 + 10_000 }
    ])
  })

  it('open-confirm --KEEPALIVE--> established', () => {
    const { session, effects } = run(established)
    expect(session.state).toBe('established')
    expect(session.establishedAtMs).toBe(30)
    expect(effects).toEqual([{ type: 'established', peerOpen }])
  })

  it('hold time 0 on either side disables hold and keepalives', () => {
    const { session } = run(established.slice(0, 2).concat([[frame({ ...peerOpen, holdTimeS: 0 }), 20]]))
    expect(session.holdMs).toBe(0)
    expect(session.timers).toEqual({})
    const zero = createSession({ ...config, holdTimeS: 0 })
    const opened = run(established.slice(0, 2), zero)
    expect(opened.session.timers.hold).toBe(10 + OPEN_HOLD_MS)
  })

  it('refuses bad config', () => {
    expect(() => createSession({ ...config, holdTimeS: 2 })).toThrow(InvalidArgumentError)
    expect(() => createSession({ ...config, maxBackoffMs: 0 })).toThrow(InvalidArgumentError)
  })
})

describe('session: OPEN checks', () => {
  function openWith (o: Partial<OpenFrame>, cfg: SessionConfig = config): { session: Session, effects: SessionEffect[] } {
    return run(established.slice(0, 2).concat([[frame({ ...peerOpen, ...o }), 20]]), createSession(cfg))
  }
  function expectNotify (effects: SessionEffect[], code: NotificationCode, subcode: number): void {
    const sent = effects.find((e) => e.type === 'send')
    expect(sent?.type === 'send' && sent.frame).toMatchObject({ type: 'notification', code, subcode })
    expect(effects.map((e) => e.type)).toEqual(['send', 'close', 'clear-timer', 'down', 'set-timer'])
  }

  it('wrong org → OPEN error BadPeerOrg, close, down', () => {
    const { session, effects } = openWith({ org: 'evil' })
    expect(session.state).toBe('idle')
    expectNotify(effects, NotificationCode.OpenMessageError, OpenSubcode.BadPeerOrg)
  })

  it('a neighbor configured as reflector or peer must announce role reflector', () => {
    expectNotify(openWith({ role: 'peer', cluster: '' }).effects, NotificationCode.OpenMessageError, OpenSubcode.RoleMismatch)
    expectNotify(openWith({ role: 'peer', cluster: '' }, { ...config, expectedRole: 'peer' }).effects, NotificationCode.OpenMessageError, OpenSubcode.RoleMismatch)
    expect(openWith({ role: 'peer', cluster: '' }, { ...config, expectedRole: 'client' }).session.state).toBe('open-confirm')
    expect(openWith({ role: 'reflector' }, { ...config, expectedRole: 'partner' }).session.state).toBe('open-confirm')
    expect(roleCompatible('partner', 'peer')).toBe(true)
  })

  it('hold time 1 or 2 → UnacceptableHoldTime', () => {
    expectNotify(openWith({ holdTimeS: 2 }).effects, NotificationCode.OpenMessageError, OpenSubcode.UnacceptableHoldTime)
    expect(openWith({ holdTimeS: 3 }).session.holdMs).toBe(3000)
  })
})

describe('session: established', () => {
  it('delivers UPDATE, END_OF_RIB and ROUTE_REFRESH to the speaker', () => {
    for (const f of [{ type: 'update', announces: [], withdraws: [] }, { type: 'end-of-rib' }, { type: 'route-refresh' }] as Frame[]) {
      const { session, effects } = run([...established, [frame(f), 40]])
      expect(effects).toEqual([{ type: 'deliver', frame: f }])
      expect(session.lastRecvMs).toBe(40)
    }
  })

  it('sends KEEPALIVE when the keepalive timer fires, and re-arms it', () => {
    const { effects } = run([...established, [{ type: 'timer', timer: 'keepalive' }, 10_020]])
    expect(effects).toEqual([{ type: 'send', frame: { type: 'keepalive' } }, { type: 'set-timer', timer: 'keepalive', atMs: 20_020 }])
  })

  it('any received frame restarts the hold timer (lazily re-armed at expiry)', () => {
    const { session, effects } = run([...established, [frame({ type: 'keepalive' }), 20_000], [{ type: 'timer', timer: 'hold' }, 30_020]])
    expect(session.state).toBe('established')
    expect(effects).toEqual([{ type: 'set-timer', timer: 'hold', atMs: 50_000 }])
  })

  it('hold expiry → NOTIFICATION HoldTimerExpired, close, down, retry', () => {
    const { session, effects } = run([...established, [{ type: 'timer', timer: 'hold' }, 30_030]])
    expect(session.state).toBe('idle')
    expect(effects).toEqual([
      { type: 'send', frame: { type: 'notification', code: NotificationCode.HoldTimerExpired, subcode: 0, text: expect.stringMatching(/hold timer expired/) } },
      { type: 'close' },
      { type: 'clear-timer', timer: 'keepalive' },
      { type: 'down', reason: expect.stringMatching(/hold timer/), wasEstablished: true },
      { type: 'set-timer', timer: 'connect-retry', atMs: 30_030 + 500 }
    ])
    expect(session.timers).toEqual({ 'connect-retry': 30_530 })
  })

  it('a received NOTIFICATION closes without answering', () => {
    const { session, effects } = run([...established, [frame({ type: 'notification', code: NotificationCode.Cease, subcode: 2, text: 'bye' }), 50]])
    expect(session.state).toBe('idle')
    expect(effects.some((e) => e.type === 'send')).toBe(false)
    expect(effects.map((e) => e.type)).toEqual(['close', 'clear-timer', 'clear-timer', 'down', 'set-timer'])
    expect(session.lastError).toMatch(/code 6 subcode 2: bye/)
  })

  it('OPEN while established is an FSM error', () => {
    const { effects } = run([...established, [frame(peerOpen), 50]])
    expect(effects[0]).toMatchObject({ type: 'send', frame: { code: NotificationCode.FsmError, subcode: FsmSubcode.UnexpectedInEstablished } })
  })

  it('unexpected frames in open-sent and open-confirm are FSM errors', () => {
    const a = run([...established.slice(0, 2), [frame({ type: 'keepalive' }), 20]])
    expect(a.effects[0]).toMatchObject({ frame: { code: NotificationCode.FsmError, subcode: FsmSubcode.UnexpectedInOpenSent } })
    const b = run([...established.slice(0, 3), [frame({ type: 'end-of-rib' }), 25]])
    expect(b.effects[0]).toMatchObject({ frame: { code: NotificationCode.FsmError, subcode: FsmSubcode.UnexpectedInOpenConfirm } })
  })

  it('a bad frame is answered with its NOTIFICATION code and subcode', () => {
    const error = new FrameDecodeError('bad route', NotificationCode.UpdateMessageError, 11)
    const { session, effects } = run([...established, [{ type: 'bad-frame', error }, 50]])
    expect(session.state).toBe('idle')
    expect(effects[0]).toEqual({ type: 'send', frame: { type: 'notification', code: 3, subcode: 11, text: 'bad route' } })
    const text = run([...established, [{ type: 'bad-frame', error: 'garbage' }, 50]])
    expect(text.effects[0]).toMatchObject({ frame: { code: NotificationCode.MessageHeaderError } })
  })

  it('fail (e.g. max routes) sends the given NOTIFICATION and backs off', () => {
    const { session, effects } = run([...established, [{ type: 'fail', code: NotificationCode.Cease, subcode: CeaseSubcode.MaxPrefixesReached, text: 'max routes 10' }, 50]])
    expect(session.state).toBe('idle')
    expect(effects[0]).toEqual({ type: 'send', frame: { type: 'notification', code: 6, subcode: 1, text: 'max routes 10' } })
    expect(session.timers['connect-retry']).toBeDefined()
  })

  it('transport-down → down without close, then retry', () => {
    const { session, effects } = run([...established, [{ type: 'transport-down', reason: 'reset' }, 50]])
    expect(session.state).toBe('idle')
    expect(effects.map((e) => e.type)).toEqual(['clear-timer', 'clear-timer', 'down', 'set-timer'])
  })
})

describe('session: stop, retry, backoff, collisions, stale events', () => {
  it('stop sends Cease/AdministrativeShutdown, closes and never retries', () => {
    const { session, effects } = run([...established, [{ type: 'stop' }, 50]])
    expect(session.state).toBe('idle')
    expect(session.stopped).toBe(true)
    expect(effects[0]).toEqual({ type: 'send', frame: { type: 'notification', code: 6, subcode: CeaseSubcode.AdministrativeShutdown, text: '' } })
    expect(session.timers).toEqual({})
    expect(effects.some((e) => e.type === 'set-timer')).toBe(false)
  })

  it('stop while idle with a retry pending clears it; a stopped session refuses inbound transports', () => {
    const down = run([[{ type: 'start' }, 0], [{ type: 'transport-down', reason: 'refused' }, 1]])
    const { session, effects } = run([[{ type: 'stop' }, 2]], down.session)
    expect(effects).toEqual([{ type: 'clear-timer', timer: 'connect-retry' }])
    const refused = run([[{ type: 'transport-up', outbound: false }, 3]], session)
    expect(refused.session.state).toBe('idle')
    expect(refused.effects.map((e) => e.type)).toEqual(['send', 'close'])
  })

  it('connect-retry in idle dials again; in connect it abandons the dial and backs off', () => {
    const down = run([[{ type: 'start' }, 0], [{ type: 'transport-down', reason: 'refused' }, 1]])
    const retry = run([[{ type: 'timer', timer: 'connect-retry' }, 501]], down.session)
    expect(retry.session.state).toBe('connect')
    expect(retry.effects).toEqual([{ type: 'dial' }, { type: 'set-timer', timer: 'connect-retry', atMs: 10_501 }])
    const timeout = run([[{ type: 'timer', timer: 'connect-retry' }, 10_501]], retry.session)
    expect(timeout.session.state).toBe('idle')
    expect(timeout.effects.map((e) => e.type)).toEqual(['close', 'down', 'set-timer'])
    expect(timeout.session.timers['connect-retry']).toBe(10_501 + 1000)
  })

  it('backoff doubles, is jittered ±50 %, capped, and the first retry comes within 1 s', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, 500, 30_000, half))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelayMs(20, 500, 30_000, half)).toBe(30_000)
    expect(backoffDelayMs(0, 500, 30_000, { next: () => 0 })).toBe(250)
    expect(backoffDelayMs(0, 500, 30_000, { next: () => 0.999 })).toBeLessThan(1000)
    expect(backoffDelayMs(10, 500, 30_000, { next: () => 0.999 })).toBe(30_000)
  })

  it('failures accumulate; an established period longer than backoffQuietMs forgets them', () => {
    let s = createSession(config)
    let t = 0
    s = step(s, { type: 'start' }, t).session
    for (let i = 0; i < 3; i++) {
      s = step(s, { type: 'transport-down', reason: 'refused' }, ++t).session
      s = step(s, { type: 'timer', timer: 'connect-retry' }, s.timers['connect-retry'] ?? 0).session
    }
    expect(s.attempt).toBe(3)
    const up = run([[{ type: 'transport-up', outbound: true }, 10_000], [frame(peerOpen), 10_001], [frame({ type: 'keepalive' }), 10_002]], s)
    const short = run([[{ type: 'transport-down', reason: 'x' }, 20_000]], up.session)
    expect(short.session.timers['connect-retry']).toBe(20_000 + 4000)
    const long = run([[{ type: 'transport-down', reason: 'x' }, 10_002 + 60_000]], up.session)
    expect(long.session.timers['connect-retry']).toBe(10_002 + 60_000 + 500)
    expect(long.session.attempt).toBe(1)
  })

  it('collision: an established session keeps its connection', () => {
    const { session, effects } = run([...established, [{ type: 'transport-up', outbound: false }, 50]])
    expect(effects).toEqual([{ type: 'collision', keep: 'existing' }])
    expect(session.state).toBe('established')
  })

  it('collision before established: the connection dialed by the higher peer id wins', () => {
    // peer-rr > peer-acme: the neighbor's inbound connection replaces our outbound one.
    const { session, effects } = run([...established.slice(0, 2), [{ type: 'transport-up', outbound: false }, 15]])
    expect(effects[0]).toEqual({ type: 'collision', keep: 'new' })
    expect(session.state).toBe('open-sent')
    expect(session.outbound).toBe(false)
    const mine = run([[{ type: 'start' }, 0], [{ type: 'transport-up', outbound: false }, 10], [{ type: 'transport-up', outbound: true }, 15]])
    expect(mine.effects).toEqual([{ type: 'collision', keep: 'existing' }])
  })

  it('ignores stale timers and late frames', () => {
    const s = run(established).session
    expect(run([[{ type: 'timer', timer: 'connect-retry' }, 50]], s).effects).toEqual([])
    const idle = createSession(config)
    expect(step(idle, frame({ type: 'keepalive' }), 0)).toEqual({ session: idle, effects: [] })
    expect(step(idle, { type: 'timer', timer: 'hold' }, 0).effects).toEqual([])
    expect(step(idle, { type: 'transport-down', reason: 'late' }, 0).effects).toEqual([])
    expect(step(idle, { type: 'fail', code: 6, subcode: 1, text: 'x' }, 0).effects).toEqual([])
  })

  it('start is a no-op once running', () => {
    expect(run([...established, [{ type: 'start' }, 50]]).effects).toEqual([])
  })
})
