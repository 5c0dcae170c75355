/**
 * Test fixtures shared by unit, property and simulation tests.
 * `fakeSigner`/`fakeVerifier` sign with the simulator's keyed hash instead of ed25519:
 * fast, deterministic, and a forged or altered signature still fails to verify.
 */
import type { Signer, Verifier } from '../../kernel/ports.ts'
import { simSigner, verifySimSignature } from '../../simulations/engine/sim-keys.ts'
import type { Route, RouteAttributes } from '../../agp/route/route.ts'
import type { LocalAgent } from '../../reflector/types.ts'
import { localAgentOf } from '../../agp/route/local-agent.ts'

/** The simulator's keys (simulations/engine/sim-keys.ts), checked afresh on every call. */
export const fakeSigner: (peerId: string) => Signer = simSigner

export const fakeVerifier: Verifier = { verify: verifySimSignature }

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
  const { id: _id, ...fields } = localAgentOf({ ...makeRoute().attrs, id: '', tags: [] })
  return { ...fields, ...over }
}

/** An agent body for the API (PUT /v1/agents/:id), the fixtures' defaults overridden. */
export const sampleAgent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...agentFields(), ...overrides })
