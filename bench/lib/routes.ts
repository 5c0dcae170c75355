/**
 * Realistic routes for the benches: originated (so attrsBytes is the real canonical
 * encoding and the signature covers it) by a given Signer, fake or ed25519.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Signer } from '../../kernel/index.ts'
import { originateRoute } from '../../agp/index.ts'
import type { Route } from '../../agp/index.ts'
import type { LocalAgent } from '../../reflector/index.ts'
import { createEd25519Signer } from '../../daemon/identity/keys.ts'

/** A local agent with fields of typical size (two-segment capability, URL endpoint, tags). */
export function benchAgent (i: number, capability: string): LocalAgent {
  return {
    id: `agent-${i}`,
    capability,
    endpoint: `https://agents.example.com/v1/agents/${i}/invoke`,
    costUsd: 0.05 + (i % 97) / 100,
    latencyMs: { p50: 400 + (i % 50) * 10, p95: 1200 + (i % 70) * 20 },
    winRate: { wins: 40 + (i % 55), trials: 100 },
    region: i % 2 === 0 ? 'eu' : 'us-east-1',
    tags: ['gpu', 'tier:gold']
  }
}

export interface OriginateManyOptions {
  readonly org: string
  readonly signer: Signer
  /** Capability of route i; default `svc-<i mod 1000>/model`. */
  readonly capabilityOf?: (i: number) => string
  /** Agent index of the first route (keeps agent ids distinct across orgs). */
  readonly firstIndex?: number
  readonly nowMs?: number
}

export function originateMany (count: number, o: OriginateManyOptions): Route[] {
  const capOf = o.capabilityOf ?? ((i: number) => `svc-${i % 1000}/model`)
  const first = o.firstIndex ?? 0
  const routes: Route[] = []
  for (let k = 0; k < count; k++) {
    const i = first + k
    routes.push(originateRoute(benchAgent(i, capOf(i)), { org: o.org, signer: o.signer, originSeq: 1, nowMs: o.nowMs ?? 1_000_000 }))
  }
  return routes
}

/** As a route looks after one reflector (RFC 4456): originator id and cluster list set. */
export function reflected (route: Route, originatorId: string): Route {
  return { ...route, originatorId, clusterList: ['rr-1'] }
}

/** A fresh ed25519 identity and its Signer (daemon/identity/keys.ts, node:crypto). */
export async function ed25519Identity (): Promise<{ peerId: string, signer: Signer }> {
  const key = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(key).toString()
  return { peerId, signer: createEd25519Signer(peerId, key) }
}
