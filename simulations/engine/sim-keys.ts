/**
 * Fast deterministic keys for simulation. 40,000 ed25519 signatures (and millions of
 * verifications) would dominate a large run, so the simulator signs with a keyed
 * 32-bit FNV-1a hash expanded to 64 bytes: deterministic, cheap, and an altered
 * route or a signature of another origin still fails to verify. Not cryptography.
 */
import type { Signer, Verifier } from '../../kernel/index.ts'

const SIGNATURE_BYTES = 64

export function simSigner (peerId: string): Signer {
  return { peerId, sign: (data) => simSignature(peerId, data) }
}

/**
 * In object mode every receiver gets the very same signature and attrsBytes objects
 * the origin produced, so a verified (signature, data, peer) triple is remembered by
 * object identity; decoded frames (`--wire`) are new objects and are hashed again.
 */
export function simVerifier (): Verifier {
  const verified = new WeakMap<Uint8Array, { data: Uint8Array, peerId: string }>()
  return {
    verify (peerId, data, signature) {
      const hit = verified.get(signature)
      if (hit !== undefined && hit.data === data && hit.peerId === peerId) return true
      const ok = verifySimSignature(peerId, data, signature)
      if (ok) verified.set(signature, { data, peerId })
      return ok
    }
  }
}

/** The check itself, with nothing remembered (for callers that alter signatures in place). */
export function verifySimSignature (peerId: string, data: Uint8Array, signature: Uint8Array): boolean {
  return equalBytes(simSignature(peerId, data), signature)
}

export function simSignature (peerId: string, data: Uint8Array): Uint8Array {
  let h = 0x811c9dc5
  for (let i = 0; i < peerId.length; i++) h = Math.imul(h ^ peerId.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0xff, 0x01000193)
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ (data[i] as number), 0x01000193)
  const out = new Uint8Array(SIGNATURE_BYTES)
  // xorshift32 from the hash fills the signature; any bit of the hash changes all of it.
  let x = (h >>> 0) || 1
  for (let i = 0; i < SIGNATURE_BYTES; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 0xff; out[i + 1] = (x >>> 8) & 0xff; out[i + 2] = (x >>> 16) & 0xff; out[i + 3] = (x >>> 24) & 0xff
  }
  return out
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** A 32-bit seed for one node's Random, from the run seed, the node id and its incarnation. */
export function nodeSeed (seed: number, nodeId: string, incarnation: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < nodeId.length; i++) h = Math.imul(h ^ nodeId.charCodeAt(i), 0x01000193)
  return (Math.imul(h ^ incarnation, 0x01000193)) >>> 0
}
