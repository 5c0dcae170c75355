/**
 * The Speaker engine (reflector/speaker.ts) as a route reflector: N clients, each
 * the origin of its own routes, sessions established in memory through handle()
 * (transport-up, the client's OPEN and KEEPALIVE), then the clients' UPDATE frames.
 *
 * Measured, in wall time, from the first UPDATE in until the last reflected UPDATE
 * out: import (loop checks, signature verification, Adj-RIB-In, damping, policy,
 * Loc-RIB) and reflection to the other clients (export policy, Adj-RIB-Out, packing).
 * Time inside the engine is virtual: 1 ms per UPDATE in, then the MRAI timers fire.
 * No codec and no transport: see codec.bench.ts and transport.bench.ts for those.
 *
 * Then resolve() on the resulting Loc-RIB.
 */
import type { Frame, Route } from '../agp/index.ts'
import { seededRandom, type Signer, type Verifier } from '../kernel/index.ts'
import { type AtpSpeaker, createSpeaker } from '../reflector/index.ts'
import { createEd25519Verifier } from '../daemon/identity/keys.ts'
import { fakeSigner, fakeVerifier } from '../test/helpers/fixtures.ts'
import { elapsedMs, measure, scaled, sig } from './lib/measure.ts'
import { benchReflectorInit, VirtualClockHarness } from './lib/virtual-clock-harness.ts'
import { ed25519Identity, originateMany } from './lib/routes.ts'

const CLIENTS = 10
const ROUTES = 10_000
const CAPABILITIES = 1000
const ROUTES_PER_UPDATE = 256
const MRAI_MS = 100

interface Client {
  readonly org: string
  readonly peerId: string
  readonly edSigner: Signer
}

export default async function (): Promise<Record<string, unknown>> {
  const total = scaled(ROUTES)
  const clients: Client[] = []
  for (let k = 0; k < CLIENTS; k++) {
    const id = await ed25519Identity()
    clients.push({ org: `client-${k}`, peerId: id.peerId, edSigner: id.signer })
  }
  const fake = await reflectRun(clients, total, (c) => fakeSigner(c.peerId), fakeVerifier)
  const ed = await reflectRun(clients, total, (c) => c.edSigner, createEd25519Verifier())

  const exact = measure((i) => fake.speaker.resolve({ capability: `svc-${i % CAPABILITIES}/model` }, fake.nowMs), { batch: 16 })
  const longest = measure((i) => fake.speaker.resolve({ capability: `svc-${i % CAPABILITIES}/model/python` }, fake.nowMs), { batch: 16 })
  const constrained = measure((i) => fake.speaker.resolve({ capability: `svc-${i % CAPABILITIES}/model`, maxCostUsd: 0.5, region: 'eu', limit: 3 }, fake.nowMs), { batch: 16 })
  const sample = fake.speaker.resolve({ capability: 'svc-1/model' }, fake.nowMs)

  return {
    clients: CLIENTS,
    routes: total,
    routesPerUpdate: ROUTES_PER_UPDATE,
    mraiMs: MRAI_MS,
    fakeSignatures: fake.figures,
    ed25519Signatures: ed.figures,
    resolve: {
      locRibRoutes: fake.speaker.routes(fake.nowMs).length,
      pathsPerCapability: sample?.candidates.length ?? 0,
      exactPerS: sig(exact.perS),
      exactUs: sig(1e6 / exact.perS),
      longestMatchPerS: sig(longest.perS),
      constrainedPerS: sig(constrained.perS)
    }
  }
}

interface RunResult {
  readonly speaker: AtpSpeaker
  readonly nowMs: number
  readonly figures: Record<string, unknown>
}

async function reflectRun (clients: readonly Client[], total: number, signerOf: (c: Client) => Signer, verifier: Verifier): Promise<RunResult> {
  const perClient = Math.ceil(total / clients.length)
  // Client k originates routes k·perClient…: capability i mod 1000, one path per client per capability.
  const updates: { peer: string, frame: Frame }[][] = clients.map((c, k) => {
    const routes = originateMany(perClient, { org: c.org, signer: signerOf(c), firstIndex: k * perClient, capabilityOf: (i) => `svc-${i % CAPABILITIES}/model` })
    return chunk(routes, ROUTES_PER_UPDATE).map((announces) => ({ peer: c.peerId, frame: { type: 'update', announces, withdraws: [] } }))
  })
  const h = new VirtualClockHarness(createSpeaker(benchReflectorInit(clients, { mraiMs: MRAI_MS }), { signer: fakeSigner('rr-peer'), verifier, random: seededRandom(1) }))
  h.input({ type: 'start' })
  for (const c of clients) {
    h.input({ type: 'transport-up', peer: c.peerId, outbound: false })
    h.input({ type: 'frame', peer: c.peerId, frame: { type: 'open', org: c.org, site: c.org, role: 'peer', cluster: '', holdTimeS: 90, capabilities: ['graceful-restart', 'route-refresh'], interests: [] } })
    h.input({ type: 'frame', peer: c.peerId, frame: { type: 'keepalive' } })
  }
  const notUp = h.speaker.peers().filter((p) => p.state !== 'established')
  if (notUp.length > 0) throw new Error(`speaker bench: ${notUp.length} sessions not established (${notUp[0]?.state})`)
  h.advance(h.nowMs + 1000)
  h.routesOut = 0
  h.updateFramesOut = 0

  const rounds = Math.max(...updates.map((u) => u.length))
  const ms = await elapsedMs(() => {
    for (let r = 0; r < rounds; r++) {
      for (const u of updates) {
        const next = u[r]
        if (next === undefined) continue
        h.advance(h.nowMs + 1)
        h.input({ type: 'frame', peer: next.peer, frame: next.frame })
      }
    }
    h.advance(h.nowMs + 2 * MRAI_MS)
  })
  const counters = h.speaker.counters()
  const imported = clients.length * perClient
  if (counters.signatureInvalid > 0) throw new Error(`speaker bench: ${counters.signatureInvalid} signatures invalid`)
  return {
    speaker: h.speaker,
    nowMs: h.nowMs,
    figures: {
      routesImported: imported,
      routesReflected: h.routesOut,
      updateFramesOut: h.updateFramesOut,
      signaturesVerified: counters.signatureVerified,
      ms: sig(ms),
      importedPerS: sig(imported / (ms / 1000)),
      reflectedPerS: sig(h.routesOut / (ms / 1000))
    }
  }
}



function chunk (routes: readonly Route[], size: number): Route[][] {
  const out: Route[][] = []
  for (let i = 0; i < routes.length; i += size) out.push(routes.slice(i, i + size))
  return out
}
