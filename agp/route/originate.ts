/**
 * Origination: local agents become signed routes. The origin signs the canonical
 * encoding of the attributes (encodeRouteAttributes) with its libp2p key — one route
 * alone, or many at once under one signature over their Merkle root (batch-signature.ts);
 * every other node relays those bytes verbatim and verifies, never re-signs.
 */
import { encodeRouteAttributes } from '../codec/attrs-codec.ts'
import { leafHash, merkleTree, type Hasher, type Signer, type Verifier } from '../../kernel/index.ts'
import { batchSignedBytes, checkOriginSignature, defaultHasher, VerifiedRootCache } from './batch-signature.ts'
import type { LocalAgent } from './local-agent.ts'
import type { BatchProof, Route, RouteAttributes } from './route.ts'

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
  return originRoute(ctx.org, attrs, attrsBytes, ctx.signer.sign(attrsBytes), undefined)
}

/** One route's signed half, ready to join a batch (prepareOrigination). */
export interface PreparedOrigination {
  readonly attrs: RouteAttributes
  readonly attrsBytes: Uint8Array
}

/** Attributes and their canonical encoding; throws InvalidArgumentError like originateRoute. */
export function prepareOrigination (agent: LocalAgent, ctx: Omit<OriginateContext, 'signer'> & { readonly originPeerId: string }): PreparedOrigination {
  const attrs = agentAttributes(agent, { ...ctx, peerId: ctx.originPeerId })
  return { attrs, attrsBytes: encodeRouteAttributes(attrs) }
}

/**
 * Most routes one batch signature covers. Each route carries ⌈log2 n⌉ × 32 bytes of
 * audit path and costs that many hashes at every hop, while the signature check is
 * shared by n routes: at 64 a route carries 192 B and a hop spends ~1/64 of an
 * ed25519 verification per route, about what its six hashes cost.
 */
export const ORIGIN_BATCH_ROUTES = 64

/**
 * Signs prepared routes with one signature per batch of up to `batchRoutes` (a Merkle
 * root, kernel/merkle-tree.ts), in the given order. A batch of one is signed over its
 * attrs and carries no proof, exactly as originateRoute signs it.
 */
export function signOriginationBatch (org: string, prepared: readonly PreparedOrigination[], signer: Signer,
  hasher: Hasher, batchRoutes = ORIGIN_BATCH_ROUTES): Route[] {
  const routes: Route[] = []
  for (let lo = 0; lo < prepared.length; lo += batchRoutes) {
    const chunk = prepared.slice(lo, lo + batchRoutes)
    if (chunk.length === 1) {
      const only = chunk[0] as PreparedOrigination
      routes.push(originRoute(org, only.attrs, only.attrsBytes, signer.sign(only.attrsBytes), undefined))
      continue
    }
    const tree = merkleTree(hasher, chunk.map((p) => leafHash(hasher, p.attrsBytes)))
    const signature = signer.sign(batchSignedBytes(signer.peerId, chunk.length, tree.root))
    chunk.forEach((p, index) => {
      routes.push(originRoute(org, p.attrs, p.attrsBytes, signature, { index, size: chunk.length, path: tree.paths[index] as Uint8Array }))
    })
  }
  return routes
}

function originRoute (org: string, attrs: RouteAttributes, attrsBytes: Uint8Array, signature: Uint8Array, batch: BatchProof | undefined): Route {
  return {
    attrs,
    attrsBytes,
    signature,
    ...(batch !== undefined ? { batch } : {}),
    orgPath: [org],
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

/**
 * True when attrs.originPeerId signed attrsBytes (directly, or as a leaf of a signed
 * batch). A verifier that throws counts as invalid. Without a root cache every batched
 * route costs a signature check: hops use checkOriginSignature with one.
 */
export function verifyRoute (route: Route, verifier: Verifier, hasher: Hasher = defaultHasher): boolean {
  return checkOriginSignature(route, { verifier, hasher, roots: new VerifiedRootCache(1) }) === undefined
}

export function verifyRoutes (routes: readonly Route[], verifier: Verifier, hasher: Hasher = defaultHasher): boolean[] {
  const check = { verifier, hasher, roots: new VerifiedRootCache() }
  return routes.map((r) => checkOriginSignature(r, check) === undefined)
}
