/** Memory (crdt/) test fixtures: replicas of one namespace wired to fake keys. */
import * as Y from 'yjs'
import type { Signer } from '../../kernel/ports.ts'
import { signEnvelope } from '../../crdt/codec/envelope-codec.ts'
import { fakeSigner, fakeVerifier } from './fixtures.ts'
import { Replica } from '../../crdt/replica.ts'
import type { NamespaceConfig } from '../../crdt/acl.ts'
import type { Envelope } from '../../crdt/envelope.ts'
import type { MemoryLimits } from '../../crdt/limits.ts'

export const NS: NamespaceConfig = { id: 'incident-42', members: ['acme', 'globex', 'initech'], writers: ['acme', 'globex'] }

let nextClient = 1000
export function writerReplica (org: string, opts: { epoch?: number, clientId?: number, peerId?: string, ns?: NamespaceConfig, limits?: Partial<MemoryLimits> } = {}): Replica {
  return new Replica({
    namespace: opts.ns ?? NS,
    verifier: fakeVerifier,
    writer: { org, signer: fakeSigner(opts.peerId ?? `peer-${org}`), epoch: opts.epoch ?? 1, clientId: opts.clientId ?? nextClient++ },
    ...(opts.limits !== undefined ? { limits: opts.limits } : {})
  })
}

export function readerReplica (ns: NamespaceConfig = NS): Replica {
  return new Replica({ namespace: ns, verifier: fakeVerifier })
}

/** Writes and seals one envelope. */
export function putAndSeal (r: Replica, key: string, value: unknown, nowMs = 0): Envelope {
  r.put(key, value, nowMs)
  const out = r.flush(nowMs, true)
  if (out.length !== 1 || out[0] === undefined) throw new Error(`expected one envelope, got ${out.length}`)
  return out[0]
}

/** Delivers every envelope of `from` that `to` lacks. */
export function syncInto (to: Replica, from: Replica, nowMs = 0): void {
  for (const e of from.missingFor(to.versionVector())) to.receive(e, nowMs)
}

/**
 * A signed envelope (seq 1 of a fresh stream) that sets `entries[key] = value` with no
 * check at all: what a hostile or buggy writer could send. `mutate` may add anything
 * else to the doc before it is encoded (a text, a nested type...).
 */
export function rawEnvelope (opts: { namespace: string, org: string, signer: Signer, epoch: number, clientId: number, key?: string, value?: unknown, mutate?: (doc: Y.Doc) => void }): Envelope {
  const doc = new Y.Doc()
  doc.clientID = opts.clientId
  doc.transact(() => {
    if (opts.key !== undefined) doc.getMap('entries').set(opts.key, opts.value)
    opts.mutate?.(doc)
  })
  return signEnvelope({ namespace: opts.namespace, org: opts.org, peerId: opts.signer.peerId, epoch: opts.epoch, clientId: opts.clientId, seq: 1, deps: new Map(), atMs: 0, update: Y.encodeStateAsUpdate(doc) }, opts.signer)
}

/** A value nested `depth` arrays deep around `leaf`. */
export function nested (depth: number, leaf: unknown = 1): unknown {
  let v = leaf
  for (let i = 0; i < depth; i++) v = [v]
  return v
}
