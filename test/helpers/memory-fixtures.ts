/** Memory (crdt/) test fixtures: replicas of one namespace wired to fake keys. */
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
