/**
 * Envelopes whose predecessors (same stream) or dependencies (deps) are not applied
 * yet. Verified before they park, and bounded per signer (count and bytes), so a peer
 * can only fill its own quota. Keyed by envelope id: a duplicate parks once.
 */
import type { Envelope } from './envelope.ts'

interface Parked { readonly envelope: Envelope, readonly id: string, readonly bytes: number }

export class ParkingLot {
  private readonly byPeer = new Map<string, Map<string, Parked>>()
  private readonly bytesByPeer = new Map<string, number>()
  private total = 0
  constructor (private readonly maxPerPeer: number, private readonly maxBytesPerPeer: number) {}

  get size (): number { return this.total }

  has (peerId: string, id: string): boolean { return this.byPeer.get(peerId)?.has(id) ?? false }

  /** False when the signer's quota is full (the caller refuses the envelope). */
  park (envelope: Envelope, id: string): boolean {
    const bytes = envelope.update.length + 256
    let m = this.byPeer.get(envelope.peerId)
    if (m?.has(id) === true) return true
    const used = this.bytesByPeer.get(envelope.peerId) ?? 0
    if ((m?.size ?? 0) >= this.maxPerPeer || used + bytes > this.maxBytesPerPeer) return false
    if (m === undefined) { m = new Map(); this.byPeer.set(envelope.peerId, m) }
    m.set(id, { envelope, id, bytes })
    this.bytesByPeer.set(envelope.peerId, used + bytes)
    this.total++
    return true
  }

  remove (peerId: string, id: string): void {
    const m = this.byPeer.get(peerId)
    const p = m?.get(id)
    if (m === undefined || p === undefined) return
    m.delete(id)
    this.total--
    this.bytesByPeer.set(peerId, (this.bytesByPeer.get(peerId) ?? 0) - p.bytes)
    if (m.size === 0) { this.byPeer.delete(peerId); this.bytesByPeer.delete(peerId) }
  }

  /** Parked envelopes, lowest seq first within a stream (the order that can apply). */
  all (): Array<{ envelope: Envelope, id: string }> {
    const out: Array<{ envelope: Envelope, id: string }> = []
    for (const m of this.byPeer.values()) for (const p of m.values()) out.push({ envelope: p.envelope, id: p.id })
    return out.sort((a, b) => a.envelope.seq - b.envelope.seq)
  }
}
