/**
 * Heap held per route by a reflector-shaped Speaker, in process: the reflect bench's
 * shape (bench/reflect/shape.ts: 1 origin → 1 reflector → RECEIVERS clients; two-segment
 * capabilities of AGENTS_PER_CAPABILITY agents each), without libp2p, level or the audit
 * log, so what it measures is the RIBs and the route objects alone.
 *
 *   node --expose-gc --import tsx bench/rib-memory.ts [--routes N] [--by-constructor] [--heap-snapshots DIR]
 *
 * The origin's routes are signed in batches as a daemon signs them (fake keys: fast),
 * encoded as UPDATE frames and decoded again, one frame at a time, so the reflector holds
 * what a decoded frame gives it. Measured after a forced GC: (heap used + array buffers) with the table
 * held and reflected to every receiver, minus the same before the origin's first UPDATE,
 * divided by the routes; and the RSS delta, which also counts the heap's free space and
 * the allocator's overhead per ArrayBuffer backing store. --by-constructor adds what two heap snapshots (before, after)
 * differ by, per kind of object (bench/lib/heap-summary.ts; slow at 100,000 routes).
 * --heap-snapshots DIR writes the two snapshots there (before.heapsnapshot,
 * after.heapsnapshot) for bench/heap-retainers.ts, which names what holds each kind.
 */
import '../daemon/runtime/polyfills.ts'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'
import { decodeFrame, defaultHasher, encodeFrame, type Frame, prepareOrigination, signOriginationBatch } from '../agp/index.ts'
import { seededRandom } from '../kernel/index.ts'
import { createSpeaker, DEFAULT_LIMITS } from '../reflector/index.ts'
import { fakeSigner, fakeVerifier } from '../test/helpers/fixtures.ts'
import { diffSummary, heapSummary, type HeapSummary } from './lib/heap-summary.ts'
import { benchReflectorInit, VirtualClockHarness } from './lib/virtual-clock-harness.ts'
import { AGENTS_PER_CAPABILITY, benchAgent, RECEIVERS } from './reflect/shape.ts'

const { values } = parseArgs({ options: { routes: { type: 'string' }, 'by-constructor': { type: 'boolean' }, 'heap-snapshots': { type: 'string' } }, strict: true })
const snapshotDir = values['heap-snapshots']
const ROUTES = Number(values.routes ?? 100_000)
const MRAI_MS = 100
const NOW_MS = 1_000_000

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('rib-memory: run node with --expose-gc')

/** A libp2p-looking peer id (base58 of an ed25519 key: 52 characters). */
function peerIdOf (name: string): string {
  return `12D3KooW${name.padEnd(44, 'x')}`
}

const originPeer = peerIdOf('origin')
const receivers = Array.from({ length: RECEIVERS }, (_, i) => ({ org: `recv${i + 1}`, peerId: peerIdOf(`recv${i + 1}`) }))
const clients = [{ org: 'origin', peerId: originPeer }, ...receivers]


/**
 * The origin's UPDATE frame `k` as bytes (what the reflector's transport hands it), built
 * on demand so the origin's side is garbage by the time the reflector's heap is measured.
 */
function originFrame (k: number): Uint8Array {
  const per = DEFAULT_LIMITS.maxRoutesPerUpdate
  const prepared = []
  for (let i = k * per; i < Math.min(ROUTES, (k + 1) * per); i++) {
    prepared.push(prepareOrigination(benchAgent(i), { org: 'origin', originPeerId: originPeer, originSeq: 1, nowMs: NOW_MS }))
  }
  return encodeFrame({ type: 'update', announces: signOriginationBatch('origin', prepared, fakeSigner(originPeer), defaultHasher), withdraws: [] })
}



function heapBytes (): { heap: number, arrayBuffers: number, rss: number } {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss }
}

const h = new VirtualClockHarness(createSpeaker(benchReflectorInit(clients, { mraiMs: MRAI_MS, limits: { maxPathsPerCapability: AGENTS_PER_CAPABILITY, maxRoutesPerNeighbor: Math.max(100_000, ROUTES) } }), { signer: fakeSigner(peerIdOf('rr')), verifier: fakeVerifier, random: seededRandom(1) }), NOW_MS)
h.input({ type: 'start' })
for (const c of clients) {
  h.input({ type: 'transport-up', peer: c.peerId, outbound: false })
  h.input({ type: 'frame', peer: c.peerId, frame: { type: 'open', org: c.org, site: c.org, role: 'peer', cluster: '', holdTimeS: 90, capabilities: ['graceful-restart', 'route-refresh'], interests: [] } })
  h.input({ type: 'frame', peer: c.peerId, frame: { type: 'keepalive' } })
}
h.advance(h.nowMs + 1000)
const byConstructor = values['by-constructor'] === true
const summaryBefore: HeapSummary | undefined = byConstructor ? await heapSummary() : undefined
if (snapshotDir !== undefined) writeHeapSnapshot(`${snapshotDir}/before.heapsnapshot`)
const before = heapBytes()
const cpuBefore = process.cpuUsage()
// CPU per route includes the origin's side (preparing, fake-signing, encoding): compare runs of this script only.
for (let k = 0; k * DEFAULT_LIMITS.maxRoutesPerUpdate < ROUTES; k++) {
  const decoded = decodeFrame(originFrame(k))
  if (!decoded.ok) throw decoded.error
  h.advance(h.nowMs + 1)
  h.input({ type: 'frame', peer: originPeer, frame: decoded.value as Frame })
}
h.advance(h.nowMs + 2 * MRAI_MS)
const cpu = process.cpuUsage(cpuBefore)
const after = heapBytes()
if (snapshotDir !== undefined) writeHeapSnapshot(`${snapshotDir}/after.heapsnapshot`)
const summaryAfter = summaryBefore === undefined ? undefined : await heapSummary()
const counters = h.speaker.counters()
if (counters.signatureInvalid > 0) throw new Error(`rib-memory: ${counters.signatureInvalid} signatures invalid`)
const held = h.speaker.routes(h.nowMs).length
if (held !== ROUTES) throw new Error(`rib-memory: the Loc-RIB holds ${held} routes, expected ${ROUTES}`)
if (h.routesOut !== ROUTES * RECEIVERS) throw new Error(`rib-memory: reflected ${h.routesOut} routes, expected ${ROUTES * RECEIVERS}`)

const perRoute = (x: number): number => Math.round(x / ROUTES)
const result: Record<string, unknown> = {
  routes: ROUTES,
  receivers: RECEIVERS,
  heapBytesPerRoute: perRoute(after.heap - before.heap),
  arrayBufferBytesPerRoute: perRoute(after.arrayBuffers - before.arrayBuffers),
  bytesPerRoute: perRoute(after.heap - before.heap + after.arrayBuffers - before.arrayBuffers),
  // Also counts the heap's free space and the allocator's overhead per backing store, which heapUsed does not.
  rssBytesPerRoute: perRoute(after.rss - before.rss),
  cpuUsPerRoute: Number(((cpu.user + cpu.system) / ROUTES).toFixed(1))
}
if (summaryBefore !== undefined && summaryAfter !== undefined) result.byConstructor = diffSummary(summaryBefore, summaryAfter, ROUTES)
process.stdout.write(JSON.stringify(result, null, 2) + '\n')
// Keeps the Speaker alive until after the last measurement.
if (h.speaker.counters().updatesIn === 0) process.exitCode = 1
