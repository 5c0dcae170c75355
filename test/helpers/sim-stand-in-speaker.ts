/**
 * A deliberately small stand-in Speaker for the simulator's own tests, so the engine,
 * network, checkers and report can be tested independently of reflector/. It is NOT
 * the routing engine: no sessions/OPEN, no MRAI, no interests, no policy; just enough
 * reflection (RFC 4456 client/non-client rules, cluster list), loop checks and RFC 2439
 * damping (agp/damping) at the reflector's client side to exercise every checker.
 */
import type { Frame } from '../../agp/codec/frame.ts'
import { applyDampingEvent, encodeDampingState, isSuppressed, reuseAtMs, type DampingState } from '../../agp/damping/index.ts'
import { originateRoute } from '../../agp/route/originate.ts'
import { pathKey, type Route, type WithdrawnPath } from '../../agp/route/route.ts'
import { TaskErrorCode } from '../../agp/task/task-frame.ts'
import type {
  Effect, LocalAgent, RouteView, Speaker, SpeakerComponents, SpeakerInit, SpeakerInput, SpeakerSnapshot
} from '../../reflector/types.ts'

interface Held { route: Route, from: string }

/**
 * A deliberately broken stand-in, to prove the checkers can fail: 'loops' drops the loop
 * checks on receipt and reflects peer-learned routes to other peers (RFC 4456 forbids it).
 * 'oscillates' makes a reflector keep one best path per capability and advertise only
 * that, chosen by an order relative to itself: the path from its cyclically next peer
 * reflector (by peer id) first, then its own clients' paths. On a ring of an odd number
 * of reflectors each with a client, no assignment is stable (RFC 3345's persistent
 * oscillation): a reflector takes its next peer's path exactly when that peer does not.
 */
export type StandInMutation = 'loops' | 'oscillates'

export function mutatedStandInSpeaker (mutation: StandInMutation): typeof createStandInSpeaker {
  return (init, components, snapshot) => createStandInSpeaker(init, components, snapshot, mutation)
}

export function createStandInSpeaker (init: SpeakerInit, components: SpeakerComponents, snapshot?: SpeakerSnapshot, mutation?: StandInMutation): Speaker {
  const self = components.signer.peerId
  const agents = new Map<string, LocalAgent>((snapshot?.localAgents ?? []).map((a) => [a.id, a]))
  const up = new Set<string>()
  const adjIn = new Map<string, Map<string, Route>>() // peer → pathKey|cap → route
  const damping = new Map<string, DampingState>() // peer|pathKey|cap
  let seq = snapshot?.originSeq ?? 0
  const role = (peer: string): string => init.neighbors.find((n) => n.peerId === peer)?.role ?? ''
  const own = (nowMs: number): Route[] => [...agents.values()].map((a) => originateRoute(a, { org: init.org, signer: components.signer, originSeq: ++seq, nowMs }))
  let ownRoutes: Route[] = []

  const held = (nowMs: number): Held[] => {
    const out: Held[] = ownRoutes.map((route) => ({ route, from: '' }))
    for (const [peer, rib] of adjIn) {
      for (const [k, route] of rib) {
        const d = damping.get(`${peer}|${k}`)
        if (d !== undefined && isSuppressed(d, nowMs, init.damping)) continue
        out.push({ route, from: peer })
      }
    }
    return out
  }
  const peerIds = init.neighbors.filter((n) => n.role === 'peer').map((n) => n.peerId).sort()
  const nextPeer = peerIds.find((id) => id > self) ?? peerIds[0]
  const rank = (h: Held): number => h.from === nextPeer ? 0 : h.from === '' || role(h.from) === 'client' ? 1 : 2
  /** Under 'oscillates', a reflector's one best path per capability; undefined: all paths. */
  const bestOf = (all: Held[]): Set<Held> | undefined => {
    if (mutation !== 'oscillates' || init.role !== 'reflector') return undefined
    const best = new Map<string, Held>()
    for (const h of all) {
      const cur = best.get(h.route.attrs.capability)
      if (cur === undefined || rank(h) < rank(cur) || (rank(h) === rank(cur) && h.from < cur.from)) best.set(h.route.attrs.capability, h)
    }
    return new Set(best.values())
  }
  const exportTo = (peer: string, h: Held): Route | undefined => {
    if (h.from === peer) return undefined
    if (init.role === 'peer' && h.from !== '') return undefined // orgs do not transit
    if (mutation !== 'loops' && init.role === 'reflector' && role(h.from) === 'peer' && role(peer) === 'peer') return undefined
    const r = h.route
    if (init.role === 'peer') return { ...r, orgPath: r.orgPath }
    return { ...r, originatorId: r.originatorId === '' ? h.from : r.originatorId, clusterList: [init.cluster ?? '', ...r.clusterList] }
  }
  const fullUpdate = (peer: string, nowMs: number): Frame[] => {
    const all = held(nowMs)
    const best = bestOf(all)
    const announces = all.filter((h) => best?.has(h) ?? true).map((h) => exportTo(peer, h)).filter((r): r is Route => r !== undefined)
    if (best === undefined) return [{ type: 'update', announces, withdraws: [] }, { type: 'end-of-rib' }]
    // Only the best is advertised: every other path is withdrawn, so a switch is seen.
    const sent = new Set(announces.map((r) => `${pathKey(r.attrs.originOrg, r.attrs.agentId)}|${r.attrs.capability}`))
    const withdraws = all.filter((h) => h.from !== peer).map((h) => h.route.attrs)
      .filter((a) => !sent.has(`${pathKey(a.originOrg, a.agentId)}|${a.capability}`))
      .map((a): WithdrawnPath => ({ capability: a.capability, originOrg: a.originOrg, agentId: a.agentId }))
    return [{ type: 'update', announces, withdraws }, { type: 'end-of-rib' }]
  }
  /** Re-sends everything to everyone (a stand-in may be naive): withdraw what vanished. */
  const resync = (nowMs: number, changedCaps: Iterable<string>, gone: WithdrawnPath[]): Effect[] => {
    const effects: Effect[] = [...new Set(changedCaps)].map((capability) => ({ type: 'loc-rib-changed', capability }))
    for (const peer of up) {
      const frames = fullUpdate(peer, nowMs)
      const first = frames[0] as Frame & { type: 'update' }
      // The naive resync echoes withdrawals: under 'oscillates' an origin is never told its
      // own path is gone, or its echo back would look like a flap and damping would end the run.
      const org = init.neighbors.find((n) => n.peerId === peer)?.org
      const told = mutation === 'oscillates' ? uniqueWithdraws([...gone, ...first.withdraws].filter((w) => w.originOrg !== org)) : gone
      effects.push({ type: 'send', peer, frames: [{ ...first, withdraws: told }] })
    }
    return effects
  }

  const speaker: Speaker = {
    org: init.org,
    peerId: self,
    handle (input: SpeakerInput, nowMs: number): Effect[] {
      switch (input.type) {
        case 'start':
          ownRoutes = own(nowMs)
          return [
            ...init.neighbors.filter((n) => self < n.peerId).map((n): Effect => ({ type: 'dial', peer: n.peerId })),
            ...ownRoutes.map((r): Effect => ({ type: 'loc-rib-changed', capability: r.attrs.capability }))
          ]
        case 'transport-up':
          up.add(input.peer)
          return [{ type: 'send', peer: input.peer, frames: fullUpdate(input.peer, nowMs) }]
        case 'transport-down': {
          up.delete(input.peer)
          const rib = adjIn.get(input.peer)
          adjIn.delete(input.peer)
          const caps = [...(rib?.values() ?? [])].map((r) => r.attrs.capability)
          const gone = [...(rib?.values() ?? [])].map((r) => ({ capability: r.attrs.capability, originOrg: r.attrs.originOrg, agentId: r.attrs.agentId }))
          const redial: Effect[] = self < input.peer ? [{ type: 'set-timer', id: `dial:${input.peer}`, atMs: nowMs + 1000 }] : []
          return [...redial, ...resync(nowMs, caps, gone)]
        }
        case 'timer': {
          if (input.id.startsWith('dial:')) return up.has(input.id.slice(5)) ? [] : [{ type: 'dial', peer: input.id.slice(5) }]
          const cap = input.id.split('|')[3] ?? ''
          return [{ type: 'audit', event: { kind: 'route-reused', peer: input.id.split('|')[1], capability: cap, org: input.id.split('|')[2]?.split('/')[0], agent: input.id.split('|')[2]?.split('/')[1] } }, ...resync(nowMs, [cap], [])]
        }
        case 'frame': {
          if (input.frame.type !== 'update') return []
          const rib = adjIn.get(input.peer) ?? new Map<string, Route>()
          adjIn.set(input.peer, rib)
          const effects: Effect[] = []
          const caps: string[] = []
          const damp = (k: string, ev: 'withdraw' | 'readvertise', w: WithdrawnPath): void => {
            if (init.role !== 'reflector' || role(input.peer) !== 'client') return
            const before = damping.get(`${input.peer}|${k}`)
            const after = applyDampingEvent(before, ev, nowMs, init.damping)
            damping.set(`${input.peer}|${k}`, after)
            const timer = `reuse|${input.peer}|${pathKey(w.originOrg, w.agentId)}|${w.capability}`
            if (after.suppressed && before?.suppressed !== true) {
              effects.push({ type: 'audit', event: { kind: 'route-suppressed', peer: input.peer, capability: w.capability, org: w.originOrg, agent: w.agentId } })
            }
            const at = reuseAtMs(after, init.damping)
            if (at !== undefined) effects.push({ type: 'set-timer', id: timer, atMs: at })
          }
          for (const w of input.frame.withdraws) {
            const k = `${pathKey(w.originOrg, w.agentId)}|${w.capability}`
            if (rib.delete(k)) { caps.push(w.capability); damp(k, 'withdraw', w) }
          }
          for (const r of input.frame.announces) {
            if (mutation !== 'loops' && (r.orgPath.includes(init.org) || (init.cluster !== undefined && r.clusterList.includes(init.cluster)))) continue
            if (!components.verifier.verify(r.attrs.originPeerId, r.attrsBytes, r.signature)) continue
            const k = `${pathKey(r.attrs.originOrg, r.attrs.agentId)}|${r.attrs.capability}`
            const prev = rib.get(k)
            const had = prev !== undefined
            if (prev !== undefined && prev.attrs.originSeq === r.attrs.originSeq && prev.clusterList.join() === r.clusterList.join()) continue
            rib.set(k, r)
            caps.push(r.attrs.capability)
            if (!had && damping.has(`${input.peer}|${k}`)) damp(k, 'readvertise', r.attrs)
          }
          return caps.length === 0 && effects.length === 0 ? [] : [...effects, ...resync(nowMs, caps, input.frame.withdraws.filter((w) => caps.includes(w.capability)))]
        }
        case 'agent-upsert':
        case 'agent-remove': {
          const id = input.type === 'agent-upsert' ? input.agent.id : input.id
          const prev = agents.get(id)
          if (input.type === 'agent-upsert') agents.set(id, input.agent)
          else agents.delete(id)
          ownRoutes = own(nowMs)
          const moved = prev !== undefined && (input.type === 'agent-remove' || prev.capability !== input.agent.capability)
          const gone = moved ? [{ capability: prev.capability, originOrg: init.org, agentId: id }] : []
          const caps = [...(prev !== undefined ? [prev.capability] : []), ...(input.type === 'agent-upsert' ? [input.agent.capability] : [])]
          return resync(nowMs, caps, gone)
        }
        default:
          return []
      }
    },
    peers: () => [],
    routes (nowMs: number, capability?: string): RouteView[] {
      const all = [...ownRoutes.map((route) => ({ route, from: '' })), ...[...adjIn].flatMap(([from, rib]) => [...rib.values()].map((route) => ({ route, from })))]
      const chosen = bestOf(all)
      const best = new Map<string, Held>()
      for (const h of all) {
        if (chosen !== undefined && !chosen.has(h)) continue
        const k = `${h.route.attrs.capability}|${pathKey(h.route.attrs.originOrg, h.route.attrs.agentId)}`
        const cur = best.get(k)
        if (cur === undefined || h.route.clusterList.length < cur.route.clusterList.length || (h.route.clusterList.length === cur.route.clusterList.length && h.from < cur.from)) best.set(k, h)
      }
      return [...best.values()]
        .filter((h) => capability === undefined || h.route.attrs.capability === capability || h.route.attrs.capability.startsWith(capability + '/'))
        .map((h): RouteView => {
          const d = damping.get(`${h.from}|${pathKey(h.route.attrs.originOrg, h.route.attrs.agentId)}|${h.route.attrs.capability}`)
          const suppressed = d !== undefined && isSuppressed(d, nowMs, init.damping)
          return { route: h.route, fromPeer: h.from, state: suppressed ? 'suppressed' : 'active', penalty: d?.penalty ?? 0, usable: !suppressed, best: false, localPref: 100 }
        })
        .sort((a, b) => a.route.attrs.capability.localeCompare(b.route.attrs.capability) || Number(b.usable) - Number(a.usable) ||
          a.route.attrs.costUsd - b.route.attrs.costUsd || pathKey(a.route.attrs.originOrg, a.route.attrs.agentId).localeCompare(pathKey(b.route.attrs.originOrg, b.route.attrs.agentId)))
    },
    resolve: () => undefined,
    forwardTarget: () => ({ kind: 'refuse', code: TaskErrorCode.NoRoute, reason: 'a stand-in forwards nothing' }),
    recordOutcome: () => false,
    outcomes: () => [],
    localAgents: () => [...agents.values()],
    takeAdjRibInChanges: () => ({ neighbors: init.neighbors.map((n) => n.peerId), changes: [] }),
    restartState: () => ({ damping: [], originSeq: 0 }),
    snapshot: (): SpeakerSnapshot => ({
      localAgents: [...agents.values()],
      adjRibIn: [],
      damping: [...damping].map(([k, state]) => {
        const [peer = '', pk = '', capability = ''] = k.split('|')
        return { peer, pathKey: pk, capability, state: encodeDampingState(state) }
      }),
      originSeq: seq
    })
  }
  return speaker
}

function uniqueWithdraws (all: WithdrawnPath[]): WithdrawnPath[] {
  return [...new Map(all.map((w) => [`${pathKey(w.originOrg, w.agentId)}|${w.capability}`, w])).values()]
}
