/**
 * Test fixtures shared by unit, property and simulation tests.
 * `fakeKeys` signs with a keyed hash instead of ed25519: fast, deterministic, and a
 * forged or altered signature still fails to verify.
 */
import { createHash } from 'node:crypto'
import type { Signer, Verifier } from '../../kernel/ports.ts'
import type { Route, RouteAttributes } from '../../agp/route/route.ts'
import type { LocalAgent } from '../../reflector/types.ts'

export function fakeSigner (peerId: string): Signer {
  return { peerId, sign: (data) => fakeSignature(peerId, data) }
}

export const fakeVerifier: Verifier = {
  verify: (peerId, data, signature) => equalBytes(fakeSignature(peerId, data), signature)
}

function fakeSignature (peerId: string, data: Uint8Array): Uint8Array {
  const h = createHash('sha512').update(peerId).update(data).digest()
  return new Uint8Array(h.buffer, h.byteOffset, 64)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export type AttrOverrides = Partial<Omit<RouteAttributes, 'latencyMs' | 'winRate'>> & {
  latencyMs?: Partial<RouteAttributes['latencyMs']>
  winRate?: Partial<RouteAttributes['winRate']>
}

/** A route with sensible defaults; attrsBytes/signature are placeholders unless given. */
export function makeRoute (attrs: AttrOverrides = {}, path: Partial<Omit<Route, 'attrs'>> = {}): Route {
  const a: RouteAttributes = {
    capability: 'code-review/python',
    originOrg: 'acme',
    agentId: 'rev',
    originPeerId: 'peer-acme',
    endpoint: 'http://127.0.0.1:9001',
    costUsd: 0.4,
    region: 'eu',
    tags: [],
    originSeq: 1,
    originatedAtMs: 0,
    ...attrs,
    latencyMs: { p50: 900, p95: 2000, ...attrs.latencyMs },
    winRate: { wins: 80, trials: 100, measuredAtMs: 0, ...attrs.winRate }
  }
  return {
    attrs: a,
    attrsBytes: new Uint8Array(),
    signature: new Uint8Array(64),
    orgPath: [a.originOrg],
    sitePath: [],
    originatorId: '',
    clusterList: [],
    pathTags: [],
    ...path
  }
}

/** An agent's fields (no id) with makeRoute's defaults: a config agent, or the body of PUT /v1/agents/:id. */
export function agentFields (over: Partial<Omit<LocalAgent, 'id'>> = {}): Omit<LocalAgent, 'id'> {
  const a = makeRoute().attrs
  return {
    capability: a.capability,
    endpoint: a.endpoint,
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region,
    tags: [],
    ...over
  }
}

/** An agent body for the API (PUT /v1/agents/:id), the fixtures' defaults overridden. */
export const sampleAgent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...agentFields(), ...overrides })
