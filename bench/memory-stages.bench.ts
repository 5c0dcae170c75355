/**
 * Where memory ingest spends its CPU (`npm run bench -- memory-stages`): the memory
 * bench's 5,000 batched envelopes (64 per signature, sync messages of 256), each stage
 * timed alone in CPU microseconds per envelope, best of RUNS, so the figures hold on a
 * shared machine better than wall time does. `full` is decode + receiveMany into a
 * fresh replica (what the memory part measures); the other stages are parts of it,
 * `sha256` a reference (one 200-byte node:crypto digest).
 */
import { hash } from 'node:crypto'
import { decodeSyncMessage, envelopeId, Replica, verifyCompleteBatches } from '../crdt/index.ts'
import type { Envelope } from '../crdt/index.ts'
import { VerifiedRootCache } from '../kernel/index.ts'
import { createEd25519Verifier, createNodeHasher } from '../daemon/identity/keys.ts'
import { produce } from './memory.bench.ts'

const N = 5000
const RUNS = 5
const NS = { id: 'bench', members: ['acme', 'globex'], writers: ['acme', 'globex'] }

function cpuMicrosPerEnvelope (f: () => void): number {
  const c0 = process.cpuUsage()
  f()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / N
}

export default async function (): Promise<Record<string, unknown>> {
  const verifier = createEd25519Verifier()
  const hasher = createNodeHasher()
  const { wire } = await produce(N, 64, verifier, hasher)
  const stages: Record<string, number[]> = { sha256: [], decode: [], verifyCompleteBatches: [], envelopeIds: [], full: [] }
  const sample = new Uint8Array(200)
  for (let run = 0; run < RUNS; run++) {
    let messages: Envelope[][] = []
    stages.sha256?.push(cpuMicrosPerEnvelope(() => { for (let i = 0; i < N; i++) hash('sha256', sample, 'buffer') }))
    stages.decode?.push(cpuMicrosPerEnvelope(() => {
      messages = wire.map((bytes) => { const m = decodeSyncMessage(bytes); return m.type === 'envelopes' ? [...m.envelopes] : [] })
    }))
    stages.verifyCompleteBatches?.push(cpuMicrosPerEnvelope(() => {
      const roots = new VerifiedRootCache()
      for (const m of messages) verifyCompleteBatches(m, { verifier, hasher, roots })
    }))
    stages.envelopeIds?.push(cpuMicrosPerEnvelope(() => { for (const m of messages) for (const e of m) envelopeId(e, hasher) }))
    stages.full?.push(cpuMicrosPerEnvelope(() => {
      const reader = new Replica({ namespace: NS, verifier, hasher })
      for (const bytes of wire) { const m = decodeSyncMessage(bytes); if (m.type === 'envelopes') reader.receiveMany(m.envelopes, 0) }
    }))
  }
  const best = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Number(Math.min(...v).toFixed(2))]))
  return { envelopes: N, runs: RUNS, cpuMicrosPerEnvelope: best, envelopesPerCpuSecond: Math.round(1e6 / (best.full ?? 1)) }
}
