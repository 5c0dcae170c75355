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
 * Each ingest runs RUNS times into a fresh replica and the median run is reported: the
 * first run also pays for compiling the code (a daemon's ingest is warm).
 */
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
const RUNS = 3
const NS = { id: 'bench', members: ['acme', 'globex'], writers: ['acme', 'globex'] }

interface Ingest { envelopes: number, applied: number, seconds: number, perSecond: number, cpuSeconds: number, perCpuSecond: number, sameState: boolean }

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

function ingest (wire: readonly Uint8Array[], n: number, stateHash: string, verifier: Verifier, hasher: Hasher): Ingest {
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
  // CPU time as well as wall time: on a shared machine the wall time also counts the
  // time other processes held the cores.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  return {
    envelopes: n, applied, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(applied / seconds),
    cpuSeconds: Number(cpuSeconds.toFixed(3)), perCpuSecond: Math.round(applied / cpuSeconds), sameState: reader.stateHash() === stateHash
  }
}

export default async function (): Promise<Record<string, unknown>> {
  const verifier = createEd25519Verifier()
  const hasher = createNodeHasher()
  const batched = await produce(N, BURST, verifier, hasher)
  const single = await produce(N_SINGLE, 1, verifier, hasher)
  const b = median(Array.from({ length: RUNS }, () => ingest(batched.wire, N, batched.stateHash, verifier, hasher)))
  const s = median(Array.from({ length: RUNS }, () => ingest(single.wire, N_SINGLE, single.stateHash, verifier, hasher)))
  return {
    envelopes: b.envelopes,
    applied: b.applied,
    seconds: b.seconds,
    verifiedEnvelopesAppliedPerSecond: b.perSecond,
    cpuSeconds: b.cpuSeconds,
    envelopesPerCpuSecond: b.perCpuSecond,
    envelopesPerSignature: BURST,
    runs: RUNS,
    sameState: b.sameState && s.sameState,
    singleSigned: { envelopes: s.envelopes, seconds: s.seconds, verifiedEnvelopesAppliedPerSecond: s.perSecond, cpuSeconds: s.cpuSeconds, envelopesPerCpuSecond: s.perCpuSecond }
  }
}

/** The run with the median wall time (its CPU figures with it); sameState must hold in every run. */
function median (runs: Ingest[]): Ingest {
  const sorted = [...runs].sort((x, y) => x.seconds - y.seconds)
  const mid = sorted[Math.floor(sorted.length / 2)] as Ingest
  return { ...mid, sameState: runs.every((r) => r.sameState) }
}
