/**
 * `/atp/outcomes/1.0.0`: outcomes one site of an org shares with the org's other sites
 * (docs/federation.md, "Several sites of one organization"). One message is one JSON
 * document in one length-prefixed frame:
 *
 *   { v: 1, originSite, batch, hops, outcomes: [{ org, agent, capability, success, latencyMs?, costUsd? }] }
 *
 * Each outcome passes the very rule of POST /v1/outcomes (daemon/api/schemas.ts);
 * `originSite` and `batch` name the message wherever it was relayed (duplicates are
 * dropped), `hops` counts the relays (bounded: no relay loop outlives it).
 */
import { z } from 'zod'
import type { Outcome } from '../../reflector/index.ts'
import { outcomeBody } from '../api/schemas.ts'
import { siteId } from '../config/schema-common.ts'

export const SITE_OUTCOMES_PROTOCOL = '/atp/outcomes/1.0.0'
export const MAX_OUTCOMES_PER_MESSAGE = 256
/** Largest frame taken: 256 outcomes at their longest ids and capabilities fit. */
export const MAX_MESSAGE_BYTES = 128 * 1024
/** Relays a message may cross: an org's internal reflection is one or two tiers deep. */
export const MAX_RELAY_HOPS = 4

const messageSchema = z.strictObject({
  v: z.literal(1),
  originSite: siteId,
  batch: z.string().regex(/^[0-9a-z]{1,32}$/, 'not a batch id ([0-9a-z]{1,32})'),
  hops: z.number().int().min(0).max(MAX_RELAY_HOPS),
  outcomes: z.array(outcomeBody).min(1).max(MAX_OUTCOMES_PER_MESSAGE)
})

export interface SiteOutcomeMessage {
  readonly v: 1
  readonly originSite: string
  readonly batch: string
  readonly hops: number
  readonly outcomes: readonly Outcome[]
}

export type DecodeResult =
  | { readonly ok: true, readonly message: SiteOutcomeMessage }
  | { readonly ok: false, readonly error: string }

export function encodeSiteOutcomes (message: SiteOutcomeMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message))
}

/** Never throws: bytes that are not one valid message give the first problem found. */
export function decodeSiteOutcomes (bytes: Uint8Array): DecodeResult {
  if (bytes.length > MAX_MESSAGE_BYTES) return { ok: false, error: `message of ${bytes.length} bytes (at most ${MAX_MESSAGE_BYTES})` }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return { ok: false, error: 'not UTF-8 JSON' }
  }
  const parsed = messageSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, error: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
  }
  return { ok: true, message: parsed.data as SiteOutcomeMessage }
}
