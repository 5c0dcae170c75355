/**
 * CPU per route on a receiving client of the reflect bench, in process and stage by
 * stage: what one receiver does with the reflector's UPDATEs, without libp2p.
 *
 *   npx tsx bench/receive-path.ts [--routes N] [--rounds R]
 *
 * The frames are the ones a reflector-shaped Speaker (bench/reflect/shape.ts) sends one
 * of its clients, encoded as the daemon encodes them; the origin's routes are
 * batch-signed as a daemon signs them (fake ed25519: the signature check still hashes
 * every leaf with SHA-256). Then, each timed with process.cpuUsage (all threads, so
 * level's native work counts): `decode` (decodeFrame of every frame), `import` (a client
 * Speaker handles the decoded UPDATEs: signature check with node:crypto's SHA-256 as the
 * daemon's, RIBs, decision), `persist` (the
 * daemon's SnapshotWriter writes the Adj-RIB-In to a level store in a temporary
 * directory). Each round is a fresh receiver and a fresh store; the figures are the
 * medians over the rounds, in µs of CPU per route.
 */
import '../daemon/runtime/polyfills.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  decodeFrame, defaultHasher, DEFAULT_DAMPING, DEFAULT_FRESHNESS, EMPTY_POLICY, encodeFrame, type Frame,
  prepareOrigination, signOriginationBatch, WireRouteCache
} from '../agp/index.ts'
import { createNodeHasher } from '../daemon/identity/keys.ts'
import { NodeStore, ReceivedRouteBytes, SnapshotWriter } from '../daemon/store/index.ts'
import { seededRandom } from '../kernel/index.ts'
import { createSpeaker, DEFAULT_LIMITS } from '../reflector/index.ts'
import { fakeSigner, fakeVerifier } from '../test/helpers/fixtures.ts'
import { benchReflectorInit, VirtualClockHarness } from './lib/virtual-clock-harness.ts'
import { AGENTS_PER_CAPABILITY, benchAgent, RECEIVERS } from './reflect/shape.ts'

const { values } = parseArgs({ options: { routes: { type: 'string' }, rounds: { type: 'string' } }, strict: true })
const ROUTES = Number(values.routes ?? 20_000)
const ROUNDS = Number(values.rounds ?? 3)
const NOW_MS = 1_000_000
const LIMITS = { maxPathsPerCapability: AGENTS_PER_CAPABILITY, maxRoutesPerNeighbor: Math.max(100_000, ROUTES) }

const peerIdOf = (name: string): string => `12D3KooW${name.padEnd(44, 'x')}`
const originPeer = peerIdOf('origin')
const rrPeer = peerIdOf('rr')
const receivers = Array.from({ length: RECEIVERS }, (_, i) => ({ org: `recv${i + 1}`, peerId: peerIdOf(`recv${i + 1}`) }))
const clients = [{ org: 'origin', peerId: originPeer }, ...receivers]
const open = (org: string, role: 'peer' | 'reflector'): Frame => ({
  type: 'open', org, site: org, role, cluster: role === 'reflector' ? 'rr-1' : '', holdTimeS: 90, capabilities: ['graceful-restart', 'route-refresh'], interests: []
})

/** The UPDATE frames (bytes) the reflector sends receivers[0] for the origin's table. */
function reflectedFrames (): Uint8Array[] {
  const out: Uint8Array[] = []
  const cache = new WireRouteCache()
  const h = new VirtualClockHarness(createSpeaker(benchReflectorInit(clients, { mraiMs: 100, limits: LIMITS }),
    { signer: fakeSigner(rrPeer), verifier: fakeVerifier, random: seededRandom(1) }), NOW_MS,
  (peer, f) => { if (peer === receivers[0]?.peerId && f.type === 'update') out.push(encodeFrame(f, cache)) })
  h.input({ type: 'start' })
  for (const c of clients) {
    h.input({ type: 'transport-up', peer: c.peerId, outbound: false })
    h.input({ type: 'frame', peer: c.peerId, frame: open(c.org, 'peer') })
    h.input({ type: 'frame', peer: c.peerId, frame: { type: 'keepalive' } })
  }
  h.advance(h.nowMs + 1000)
  const per = DEFAULT_LIMITS.maxRoutesPerUpdate
  for (let k = 0; k * per < ROUTES; k++) {
    const prepared = []
    for (let i = k * per; i < Math.min(ROUTES, (k + 1) * per); i++) {
      prepared.push(prepareOrigination(benchAgent(i), { org: 'origin', originPeerId: originPeer, originSeq: 1, nowMs: NOW_MS }))
    }
    const announces = signOriginationBatch('origin', prepared, fakeSigner(originPeer), defaultHasher)
    h.advance(h.nowMs + 1)
    h.input({ type: 'frame', peer: originPeer, frame: { type: 'update', announces, withdraws: [] } })
  }
  h.advance(h.nowMs + 1000)
  return out
}

function cpuUs (f: () => void): number {
  const before = process.cpuUsage()
  f()
  const d = process.cpuUsage(before)
  return d.user + d.system
}

async function cpuUsAsync (f: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage()
  await f()
  const d = process.cpuUsage(before)
  return d.user + d.system
}

async function round (wire: readonly Uint8Array[]): Promise<{ decode: number, import: number, persist: number }> {
  const frames: Frame[] = []
  const received = new ReceivedRouteBytes()
  const decode = cpuUs(() => {
    for (const bytes of wire) {
      const r = decodeFrame(bytes, received.note)
      if (!r.ok) throw r.error
      frames.push(r.value)
    }
  })
  const h = new VirtualClockHarness(createSpeaker({
    org: receivers[0]?.org ?? 'recv1', role: 'peer', cluster: '', neighbors: [{ peerId: rrPeer, org: 'rr', role: 'reflector' }], interests: [],
    damping: DEFAULT_DAMPING, freshness: DEFAULT_FRESHNESS, mraiMs: 100, holdTimeS: 90, restartTimeS: 120, maxBackoffMs: 30_000,
    policy: EMPTY_POLICY, limits: { ...DEFAULT_LIMITS, ...LIMITS }
  }, { signer: fakeSigner(peerIdOf('recv1')), verifier: fakeVerifier, hasher: createNodeHasher(), random: seededRandom(2) }), NOW_MS)
  h.input({ type: 'start' })
  h.input({ type: 'transport-up', peer: rrPeer, outbound: true })
  h.input({ type: 'frame', peer: rrPeer, frame: open('rr', 'reflector') })
  h.input({ type: 'frame', peer: rrPeer, frame: { type: 'keepalive' } })
  const dir = mkdtempSync(join(tmpdir(), 'receive-path-'))
  const store = await NodeStore.open(dir)
  const writer = new SnapshotWriter(store, { speaker: h.speaker, received })
  writer.prime({ adjRibIn: [], damping: [] } as unknown as Parameters<SnapshotWriter['prime']>[0])
  const imported = cpuUs(() => {
    for (const frame of frames) h.input({ type: 'frame', peer: rrPeer, frame })
  })
  const held = h.speaker.counters()
  if (held.signatureInvalid > 0) throw new Error(`receive-path: ${held.signatureInvalid} signatures invalid`)
  const persist = await cpuUsAsync(async () => {
    writer.markDirty()
    await writer.flush()
  })
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  return { decode: decode / ROUTES, import: imported / ROUTES, persist: persist / ROUTES }
}

const wire = reflectedFrames()
const routesIn = wire.reduce((n, b) => n + b.length, 0)
const rounds = []
for (let i = 0; i < ROUNDS; i++) rounds.push(await round(wire))
const median = (xs: number[]): number => Number(([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0).toFixed(1))
process.stdout.write(JSON.stringify({
  routes: ROUTES,
  frames: wire.length,
  wireBytesPerRoute: Math.round(routesIn / ROUTES),
  cpuUsPerRoute: {
    decode: median(rounds.map((r) => r.decode)),
    import: median(rounds.map((r) => r.import)),
    persist: median(rounds.map((r) => r.persist))
  },
  rounds
}, null, 2) + '\n')
