// An update's own structs may refer only to what comes before them: Yjs integrates a
// client's structs in clock order and looks each origin up as it goes, so a reference
// forward into the same update has nothing to find when its struct integrates.
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { signEnvelope } from '../../../crdt/codec/envelope-codec.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { NS, putAndSeal, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

const CLIENT = 777
/** Yjs v1 struct info: ContentAny, with an origin (BIT8) or a parent key (BIT6). */
const ANY = 8
const HAS_ORIGIN = 0x80
const HAS_PARENT_SUB = 0x20

/** Two entry items of CLIENT at clocks 0 and 1; item 0's origin is item 1 (forward). */
function forwardReferenceUpdate (): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1) // clients
  encoding.writeVarUint(enc, 2) // structs
  encoding.writeVarUint(enc, CLIENT)
  encoding.writeVarUint(enc, 0) // first clock
  encoding.writeUint8(enc, ANY | HAS_ORIGIN)
  encoding.writeVarUint(enc, CLIENT)
  encoding.writeVarUint(enc, 1) // origin: the next item of this very update
  encoding.writeVarUint(enc, 1)
  encoding.writeAny(enc, 'a')
  encoding.writeUint8(enc, ANY | HAS_PARENT_SUB)
  encoding.writeVarUint(enc, 1) // parent is a root type, by name
  encoding.writeVarString(enc, 'entries')
  encoding.writeVarString(enc, 'k')
  encoding.writeVarUint(enc, 1)
  encoding.writeAny(enc, 'b')
  encoding.writeVarUint(enc, 0) // delete set: no clients
  return encoding.toUint8Array(enc)
}

describe('update references', () => {
  it('an item whose origin is a later item of the same update is refused (missing-references); nothing changes, nothing throws', () => {
    const a = writerReplica('acme')
    const b = readerReplica()
    b.receive(putAndSeal(a, 'x', 1, 1), 1)
    const before = b.stateHash()
    const e = signEnvelope({ namespace: NS.id, org: 'globex', peerId: 'peer-globex', epoch: 1, clientId: CLIENT, seq: 1, deps: new Map(), atMs: 0, update: forwardReferenceUpdate() }, fakeSigner('peer-globex'))
    expect(b.receive(e, 2)).toMatchObject({ status: 'refused', reason: 'missing-references' })
    expect(b.receiveMany([e], 3)[0]).toMatchObject({ status: 'refused', reason: 'missing-references' })
    expect(b.stateHash()).toBe(before)
    expect(b.entries()).toEqual({ x: 1 })
    expect(b.counters.refused['missing-references']).toBe(2)
    // The member goes on applying what its writers send.
    expect(b.receive(putAndSeal(a, 'y', 2, 4), 4).status).toBe('applied')
  })
})
