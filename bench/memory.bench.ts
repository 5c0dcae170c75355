/**
 * Memory: verified envelopes applied per second. Two writers (real ed25519 keys and
 * node:crypto SHA-256, as the daemon signs and hashes) take turns; each turn is a
 * burst of small puts, one envelope each (maxBatchUpdates 1), sealed before one flush,
 * so one signature covers up to 64 of them (docs/memory.md, "Batch signatures"); the
 * other writer receives the burst before its own turn. A fresh replica then receives
 * every envelope as a member receives them from a neighbor: sync messages of up to
 * 256 envelopes (crdt/sync's packing), each decoded and handed to receiveMany (what
 * MemoryService.receive does): signature (root) check, update inspection,
 * Y.applyUpdate, provenance index. The same is measured for envelopes signed one by
 * one (a flush after every put), the form a writer that never bursts sends.
 * Each ingest runs WARMUP rounds that are not counted (the first ones also pay for
 * compiling the code; a daemon's ingest is warm), then ROUNDS rounds, each into a fresh
 * replica; the round with the median wall time gives the headline figure, the fastest
 * and slowest beside it show the spread. A round of 5,000 envelopes lasts about 0.1 s,
 * so on a shared machine one round alone says little: another process holding a core,
 * or a collection of an earlier round's garbage, moves it by half; the median of 21
 * moves far less. CPU time per envelope is reported beside wall time: it does not
 * count the time other processes held the cores (it does count the collector's own
 * threads), and the 1-minute load average before and after says how loaded the
 * machine was.
 */
import { loadavg } from 'node:os'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeSyncMessage, encodeSyncMessage, packEnvelopes, Replica } from '../crdt/index.ts'
import type { Envelope } from '../crdt/index.ts'
import type { Hasher, Verifier } from '../kernel/index.ts'
import { createEd25519Signer, createEd25519Verifier, createNodeHasher } from '../daemon/identity/keys.ts'

const N = 5000
const N_SINGLE = 1000
const BURST = 64
/** Envelopes per sync message, as the sync machine packs them. */
const PER_MESSAGE = 256
const WARMUP = 3
const ROUNDS = 21
const SINGLE_ROUNDS = 7
const NS = { id: 'bench', members: ['acme', 'globex'], writers: ['acme', 'globex'] }

/** One round: wall and CPU seconds for `applied` envelopes into a fresh replica. */
interface Round { applied: number, seconds: number, cpuSeconds: number, sameState: boolean }

async function writers (verifier: Verifier, hasher: Hasher): Promise<Replica[]> {
  const out: Replica[] = []
  for (const [i, org] of ['acme', 'globex'].entries()) {
    const key = await generateKeyPair('Ed25519')
    const signer = createEd25519Signer(peerIdFromPrivateKey(key).toString(), key)
    out.push(new Replica({ namespace: NS, verifier, hasher, writer: { org, signer, epoch: 1, clientId: 100 + i }, limits: { maxBatchUpdates: 1 } }))
  }
  return out
}

/** `n` envelopes of one put each, `burst` puts per flush, the writers taking turns, packed in encoded sync messages. */
export async function produce (n: number, burst: number, verifier: Verifier, hasher: Hasher): Promise<{ wire: Uint8Array[], stateHash: string }> {
  const ws = await writers(verifier, hasher)
  const sent: Envelope[] = []
  for (let i = 0; i < n;) {
    const turn = Math.floor(i / burst)
    const w = ws[turn % 2] as Replica
    const other = ws[(turn + 1) % 2] as Replica
    for (let k = 0; k < burst && i < n; k++, i++) w.put(`key-${i % 500}`, { i, note: 'finding' }, i)
    for (const e of w.flush(i, true)) {
      sent.push(e)
      other.receive(e, i)
    }
  }
  const wire = packEnvelopes(sent, PER_MESSAGE).map((envelopes) => encodeSyncMessage({ type: 'envelopes', envelopes }))
  return { wire, stateHash: ws[0]?.stateHash() ?? '' }
}

function ingest (wire: readonly Uint8Array[], stateHash: string, verifier: Verifier, hasher: Hasher): Round {
  const reader = new Replica({ namespace: NS, verifier, hasher })
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let applied = 0
  for (const bytes of wire) {
    const m = decodeSyncMessage(bytes)
    if (m.type === 'envelopes') for (const r of reader.receiveMany(m.envelopes, 0)) if (r.status === 'applied') applied += r.applied.length
  }
  const cpu = process.cpuUsage(cpu0)
  const seconds = (performance.now() - t0) / 1000
  return { applied, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, sameState: reader.stateHash() === stateHash }
}

/** `rounds` counted rounds after `warmup` uncounted ones. */
function rounds (warmup: number, rounds: number, wire: readonly Uint8Array[], stateHash: string, verifier: Verifier, hasher: Hasher): Round[] {
  const out: Round[] = []
  for (let i = 0; i < warmup + rounds; i++) {
    const r = ingest(wire, stateHash, verifier, hasher)
    if (i >= warmup) out.push(r)
  }
  return out
}

interface Spread { median: number, min: number, max: number }

/**
 * The figures of a set of rounds: the median round by wall time (its rate is the
 * headline), the spread of the rate and of wall and CPU microseconds per envelope.
 * Every round must apply all `n` envelopes and reach the writers' state.
 */
function summary (n: number, runs: readonly Round[]): Record<string, unknown> {
  const byWall = [...runs].sort((x, y) => x.seconds - y.seconds)
  const mid = byWall[Math.floor(byWall.length / 2)] as Round
  const perSecond = spread(runs.map((r) => r.applied / r.seconds), 0)
  const cpu = spread(runs.map((r) => r.cpuSeconds * 1e6 / r.applied), 2)
  return {
    envelopes: n,
    applied: Math.min(...runs.map((r) => r.applied)),
    seconds: Number(mid.seconds.toFixed(3)),
    verifiedEnvelopesAppliedPerSecond: Math.round(mid.applied / mid.seconds),
    perSecond,
    wallMicrosPerEnvelope: spread(runs.map((r) => r.seconds * 1e6 / r.applied), 2),
    cpuSeconds: Number(mid.cpuSeconds.toFixed(3)),
    cpuMicrosPerEnvelope: cpu,
    envelopesPerCpuSecond: Math.round(1e6 / cpu.median),
    runs: runs.length,
    sameState: runs.every((r) => r.sameState && r.applied === n)
  }
}

function spread (xs: readonly number[], digits: number): Spread {
  const s = [...xs].sort((a, b) => a - b)
  const round = (x: number): number => Number(x.toFixed(digits))
  return { median: round(s[Math.floor(s.length / 2)] as number), min: round(s[0] as number), max: round(s[s.length - 1] as number) }
}

export default async function (): Promise<Record<string, unknown>> {
  const loadBefore = loadavg()[0] as number
  const verifier = createEd25519Verifier()
  const hasher = createNodeHasher()
  const batched = await produce(N, BURST, verifier, hasher)
  const single = await produce(N_SINGLE, 1, verifier, hasher)
  const b = summary(N, rounds(WARMUP, ROUNDS, batched.wire, batched.stateHash, verifier, hasher))
  const s = summary(N_SINGLE, rounds(1, SINGLE_ROUNDS, single.wire, single.stateHash, verifier, hasher))
  return {
    ...b,
    envelopesPerSignature: BURST,
    warmupRuns: WARMUP,
    sameState: b.sameState === true && s.sameState === true,
    loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number((loadavg()[0] as number).toFixed(2)) },
    singleSigned: {
      envelopes: s.envelopes, seconds: s.seconds, verifiedEnvelopesAppliedPerSecond: s.verifiedEnvelopesAppliedPerSecond,
      cpuSeconds: s.cpuSeconds, envelopesPerCpuSecond: s.envelopesPerCpuSecond, cpuMicrosPerEnvelope: s.cpuMicrosPerEnvelope, runs: s.runs
    }
  }
}
