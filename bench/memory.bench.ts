/**
 * Memory: verified envelopes applied per second. Two writers (real ed25519 keys, as
 * the daemon signs) produce envelopes of one small put each, interleaved with syncs;
 * a fresh replica then receives all of them: decode, signature check, update
 * inspection, Y.applyUpdate, provenance index.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeEnvelope, encodeEnvelope, Replica } from '../crdt/index.ts'
import { createEd25519Signer, createEd25519Verifier } from '../daemon/identity/keys.ts'

const N = 5000
const NS = { id: 'bench', members: ['acme', 'globex'], writers: ['acme', 'globex'] }

export default async function (): Promise<Record<string, unknown>> {
  const verifier = createEd25519Verifier()
  const writers: Replica[] = []
  for (const [i, org] of ['acme', 'globex'].entries()) {
    const key = await generateKeyPair('Ed25519')
    const signer = createEd25519Signer(peerIdFromPrivateKey(key).toString(), key)
    writers.push(new Replica({ namespace: NS, verifier, writer: { org, signer, epoch: 1, clientId: 100 + i } }))
  }
  const wire: Uint8Array[] = []
  for (let i = 0; i < N; i++) {
    const w = writers[i % 2] as Replica
    w.put(`key-${i % 500}`, { i, note: 'finding' }, i)
    for (const e of w.flush(i, true)) {
      wire.push(encodeEnvelope(e))
      const other = writers[(i + 1) % 2] as Replica
      other.receive(e, i)
    }
  }
  const reader = new Replica({ namespace: NS, verifier })
  const t0 = performance.now()
  let applied = 0
  for (const bytes of wire) if (reader.receive(decodeEnvelope(bytes), 0).status === 'applied') applied++
  const seconds = (performance.now() - t0) / 1000
  return {
    envelopes: wire.length,
    applied,
    seconds: Number(seconds.toFixed(3)),
    verifiedEnvelopesAppliedPerSecond: Math.round(applied / seconds),
    sameState: reader.stateHash() === writers[0]?.stateHash()
  }
}
