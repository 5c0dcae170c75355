/**
 * Origination: a local agent becomes a signed route. The origin signs the canonical
 * encoding of the attributes (encodeRouteAttributes) with its libp2p key; every
 * other node relays those bytes verbatim and verifies, never re-signs.
 */
import { encodeRouteAttributes } from '../codec/attrs-codec.ts'
import type { Signer, Verifier } from '../../kernel/index.ts'
import type { LocalAgent } from './local-agent.ts'
import type { Route, RouteAttributes } from './route.ts'

export interface OriginateContext {
  readonly org: string
  /** The origin's site in its org; absent or equal to the org = the org's default site. */
  readonly site?: string
  readonly signer: Signer
  /** Must increase with every advertisement of the path (never reused, even across restarts). */
  readonly originSeq: number
  readonly nowMs: number
}

/** Throws InvalidArgumentError when the agent's fields would not pass a receiver's decoder. */
export function originateRoute (agent: LocalAgent, ctx: OriginateContext): Route {
  const attrs = agentAttributes(agent, ctx)
  const attrsBytes = encodeRouteAttributes(attrs)
  return {
    attrs,
    attrsBytes,
    signature: ctx.signer.sign(attrsBytes),
    orgPath: [ctx.org],
    sitePath: [],
    originatorId: '',
    clusterList: [],
    pathTags: []
  }
}

/**
 * Why a local agent could never be originated (the wire's own rule: the receiver's
 * attribute check and the encoded-size bound); undefined when it can. Drivers ask this
 * before they persist an agent and when they load a stored one, so an agent that is
 * stored always originates and one bad record never stops the others.
 */
export function localAgentProblem (agent: LocalAgent): string | undefined {
  try {
    // The org and peer id are the node's own, checked elsewhere; placeholders that pass
    // their patterns leave only the agent's fields to judge.
    encodeRouteAttributes(agentAttributes(agent, { org: 'o', peerId: 'p', originSeq: 0, nowMs: 0 }))
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^route attributes: /, '') : String(e)
  }
}

function agentAttributes (agent: LocalAgent, ctx: { readonly org: string, readonly site?: string, readonly originSeq: number, readonly nowMs: number } &
  ({ readonly signer: Signer } | { readonly peerId: string })): RouteAttributes {
  return {
    capability: agent.capability,
    originOrg: ctx.org,
    ...(ctx.site === undefined || ctx.site === ctx.org ? {} : { originSite: ctx.site }),
    agentId: agent.id,
    originPeerId: 'signer' in ctx ? ctx.signer.peerId : ctx.peerId,
    endpoint: agent.endpoint,
    costUsd: agent.costUsd,
    latencyMs: { p50: agent.latencyMs.p50, p95: agent.latencyMs.p95 },
    winRate: { wins: agent.winRate.wins, trials: agent.winRate.trials, measuredAtMs: ctx.nowMs },
    region: agent.region,
    tags: [...agent.tags],
    originSeq: ctx.originSeq,
    originatedAtMs: ctx.nowMs
  }
}

/** True when attrs.originPeerId signed attrsBytes. A verifier that throws counts as invalid. */
export function verifyRoute (route: Route, verifier: Verifier): boolean {
  try {
    return verifier.verify(route.attrs.originPeerId, route.attrsBytes, route.signature)
  } catch {
    return false
  }
}

export function verifyRoutes (routes: readonly Route[], verifier: Verifier): boolean[] {
  return routes.map((r) => verifyRoute(r, verifier))
}
