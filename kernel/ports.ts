/**
 * Ports: the only ways the pure core reaches time, randomness, keys and hashing. Drivers
 * (daemon/, simulations/, tests) provide adapters. Transport and storage are not
 * ports the core calls: the core returns them as effect values (see reflector/speaker.ts).
 */

/** Monotonic milliseconds. The daemon reads the system clock; the simulator its virtual one. */
export interface Clock {
  nowMs(): number
}

/** Seeded or system randomness, in [0, 1). */
export interface Random {
  next(): number
}

/** Signs with this node's identity key (ed25519, the libp2p identity). */
export interface Signer {
  readonly peerId: string
  sign(data: Uint8Array): Uint8Array
}

/** Verifies a signature by the key that a peer id names (ed25519 peer ids embed the key). */
export interface Verifier {
  verify(peerId: string, data: Uint8Array, signature: Uint8Array): boolean
}

/**
 * SHA-256 (FIPS 180-4), for the Merkle trees of batch signatures and content ids. The
 * daemon passes node:crypto's; the core falls back to a pure-JS one, so results never
 * depend on which. Neither keeps `data`: a caller may reuse its buffer once a call returns.
 */
export interface Hasher {
  sha256(data: Uint8Array): Uint8Array
  /** The same digest as lowercase hex, when the implementation has a cheaper way to it than sha256 then hex. */
  sha256Hex?(data: Uint8Array): string
}

/** Deterministic Random from a 32-bit seed (mulberry32): for the simulator and tests. */
export function seededRandom (seed: number): Random {
  let a = seed >>> 0
  return {
    next (): number {
      a = (a + 0x6D2B79F5) >>> 0
      let t = a
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}
