/**
 * BatchRefresh ⇄ its message (agp.proto). Validated with the wire's rules before a
 * speaker sees it; whether the signature holds is the speaker's check, as for routes.
 */
import { AGENT_ID_PATTERN, MAX_AGENT_ID_LENGTH, MAX_ORG_ID_LENGTH, MAX_PEER_ID_LENGTH, ORG_ID_PATTERN, PEER_ID_PATTERN } from '../../kernel/index.ts'
import type { agp } from '../proto/gen/agp.js'
import type { BatchRefresh } from '../route/batch-refresh.ts'
import { MAX_BATCH_SIZE } from '../route/batch-signature.ts'
import { SIGNATURE_BYTES } from './limits.ts'
import { checkBytes, checkSafeUint, checkString, checkStringList, fail, type ErrorFactory } from './validate.ts'

export function toWireRefresh (r: BatchRefresh): agp.BatchRefresh.$Properties {
  return {
    originPeerId: r.originPeerId,
    originOrg: r.originOrg,
    batchSignature: r.batchSignature,
    refreshedAtMs: r.refreshedAtMs,
    signature: r.signature,
    agentIds: [...r.agentIds]
  }
}

/** Validates a decoded BatchRefresh; throws FrameDecodeError. Its bytes are copies, never views into the frame. */
export function fromWireRefresh (msg: agp.BatchRefresh.$Properties, i: number, err: ErrorFactory): BatchRefresh {
  const what = `refreshes[${i}]`
  const agentIds = checkStringList(msg.agentIds ?? [], `${what}.agentIds`, AGENT_ID_PATTERN, MAX_AGENT_ID_LENGTH, MAX_BATCH_SIZE, err)
  if (agentIds.length === 0) fail(err, `${what} names no route`)
  return {
    originPeerId: checkString(msg.originPeerId ?? '', `${what}.originPeerId`, PEER_ID_PATTERN, MAX_PEER_ID_LENGTH, err),
    originOrg: checkString(msg.originOrg ?? '', `${what}.originOrg`, ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, err),
    batchSignature: signatureBytes(msg.batchSignature, `${what}.batchSignature`, err),
    refreshedAtMs: checkSafeUint(msg.refreshedAtMs ?? 0, `${what}.refreshedAtMs`, err),
    signature: signatureBytes(msg.signature, `${what}.signature`, err),
    agentIds
  }
}

function signatureBytes (v: unknown, what: string, err: ErrorFactory): Uint8Array {
  const bytes = checkBytes(v ?? new Uint8Array(), what, SIGNATURE_BYTES, err)
  if (bytes.length !== SIGNATURE_BYTES) fail(err, `${what} is ${bytes.length} bytes, expected ${SIGNATURE_BYTES}`)
  return bytes.slice()
}
