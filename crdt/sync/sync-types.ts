/**
 * The data of the `/atp/memory/1.0.0` machine with one neighbor: who the neighbor is,
 * what the machine reads of the node's replicas, inputs in and effects out. The machine
 * is crdt/sync/sync-machine.ts; the daemon and the simulator drive it.
 */
import type { NamespaceConfig } from '../acl.ts'
import type { SyncMessage } from '../codec/sync-codec.ts'
import type { Envelope } from '../envelope.ts'
import { MemoryBoundError } from '../errors.ts'
import type { MemoryLimits } from '../limits.ts'
import type { VectorClock } from '../vector-clock.ts'

/** What the neighbor is to us (the session roles of the routing layer, by name). */
export type SyncNeighborRole = 'reflector' | 'client' | 'peer' | 'partner' | 'site' | 'site-reflector' | 'site-client'

export interface SyncNeighbor { readonly peerId: string, readonly org: string, readonly role: SyncNeighborRole }

/** What the machine reads of one replica; it never writes one (envelopes in leave as `deliver`). */
export interface SyncReplicaView {
  readonly namespace: NamespaceConfig
  readonly limits: MemoryLimits
  versionVector (): VectorClock
  /** The original envelopes `their` lacks that this replica holds, in causal order. */
  missingFor (their: VectorClock): Envelope[]
}

/** Why a whole sync message was dropped before any envelope in it was looked at. */
export type DropReason = 'oversize' | 'malformed'

/**
 * A bound exceeded (a length, count or size past its limit: MemoryBoundError) is
 * `oversize`; anything else that does not decode is `malformed`.
 */
export function dropReasonOf (err: unknown): DropReason {
  return err instanceof MemoryBoundError ? 'oversize' : 'malformed'
}

export type SyncInput =
  /** Begin: dial the neighbor. */
  | { readonly type: 'start' }
  /** End: no redial; the driver closes the streams. */
  | { readonly type: 'stop' }
  /** The redial timer fired. */
  | { readonly type: 'timer' }
  /** Our outbound stream opened (the answer to `dial`). */
  | { readonly type: 'output-up' }
  /** Our outbound stream closed, or the dial failed. */
  | { readonly type: 'output-down', readonly reason: string }
  /** The neighbor's stream to us opened: it (re)started, so ours is probably down too. */
  | { readonly type: 'input-up' }
  /** A message from the neighbor's stream, decoded by the driver. */
  | { readonly type: 'message', readonly message: SyncMessage }
  /** Bytes from the neighbor's stream that did not decode. */
  | { readonly type: 'bad-message', readonly reason: DropReason }
  /** A `deliver` of this namespace parked an envelope: its dependencies are missing here. */
  | { readonly type: 'parked', readonly namespace: string }
  /** New envelopes at this node (written here, or applied from `from`): pushed live. */
  | { readonly type: 'push', readonly namespace: string, readonly envelopes: readonly Envelope[], readonly from: string | undefined }
  /** The answer to `await-drain`: the outbound stream now holds `queuedBytes`. */
  | { readonly type: 'drained', readonly queuedBytes: number }

export type SyncEffect =
  /** Open our outbound stream; the driver answers output-up or output-down. */
  | { readonly type: 'dial' }
  /** Messages for our outbound stream, in order. */
  | { readonly type: 'send', readonly messages: readonly SyncMessage[] }
  /** Arms (or re-arms) the redial timer; the driver answers with `timer`. */
  | { readonly type: 'set-timer', readonly atMs: number }
  | { readonly type: 'clear-timer' }
  /** Answer `drained` once the outbound stream's queue is low again. */
  | { readonly type: 'await-drain' }
  /** Envelopes from the neighbor for the node's replica; the driver answers `parked` when one parked. */
  | { readonly type: 'deliver', readonly namespace: string, readonly envelopes: readonly Envelope[] }
  /** Our outbound stream is down; the next dial is in `retryMs` (for the log). */
  | { readonly type: 'output-lost', readonly reason: string, readonly retryMs: number }

export interface SyncCounters {
  decodeErrors: number
  received: number
  sent: number
  wants: number
  /** hello/want that arrived while the namespace was being served: folded into the next pass. */
  wantsCoalesced: number
}
