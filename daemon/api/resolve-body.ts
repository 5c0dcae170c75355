/**
 * The body of GET /v1/resolve, written from pieces. The fields of a candidate that come
 * from its signed route (routeFactsJson: most of its bytes, two ISO times, the path
 * arrays) are serialized once per route and kept; each answer serializes only what
 * changes without the route changing (candidateViewJson: state, penalty, best, fromPeer,
 * localPref, usable, window, score, reason) and joins the two objects. Every piece, and
 * the envelope, is written by fastify's schema-compiled serializers from the schemas in
 * route-schemas.ts, so the answer holds exactly the fields the whole-body serializer
 * would write (test/unit/api/route-schemas.test.ts compares the two).
 *
 * A route's facts never change: new facts arrive as a new route object, which finds no
 * kept piece. The kept pieces are bounded by bytes, the oldest dropped first. The answer
 * is one buffer: no string of the whole body is built, flattened and encoded again.
 */
import type { Route } from '../../agp/index.ts'
import type { ResolveResult } from '../../reflector/index.ts'
import { toCandidateViewJson, toRouteFactsJson, type WindowLookup } from './views.ts'

export type Serialize = (data: { [key: string]: unknown }) => string

/** Compiled serializers of resolveResponseSchema, routeFactsJsonSchema and candidateViewJsonSchema. */
export interface ResolveSerializers {
  readonly envelope: Serialize
  readonly facts: Serialize
  readonly view: Serialize
}

/** ~600 bytes per route: the facts of ~14k routes. */
export const DEFAULT_RESOLVE_FACTS_BYTES = 8 * 1024 * 1024

const COMMA = 0x2c
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d

export class ResolveBodyWriter {
  // Each route's facts as UTF-8 bytes, without the closing brace: '{"capability":…,"originatedAt":…'.
  private readonly facts = new Map<Route, Buffer>()
  private bytes = 0

  constructor (private readonly maxBytes = DEFAULT_RESOLVE_FACTS_BYTES) {}

  /** Routes whose facts are kept. */
  get size (): number { return this.facts.size }
  /** Bytes of the kept facts (≤ maxBytes). */
  get keptBytes (): number { return this.bytes }

  /** The answer as UTF-8 JSON: one buffer, copied together once. */
  write (result: ResolveResult, s: ResolveSerializers, windowOf?: WindowLookup): Buffer {
    const envelope = s.envelope({ capability: result.capability, candidates: [] })
    if (!envelope.endsWith('[]}')) throw new Error(`resolve envelope does not end with its empty candidates: ${envelope}`)
    const head = envelope.slice(0, -2)
    const candidates = result.candidates
    const facts: Buffer[] = []
    const views: string[] = []
    // The commas between candidates, and "]}".
    let length = Buffer.byteLength(head) + Math.max(0, candidates.length - 1) + 2
    for (const c of candidates) {
      const f = this.factsOf(c.view.route, s.facts)
      const v = s.view(toCandidateViewJson(c, windowOf))
      facts.push(f)
      views.push(v)
      length += f.length + Buffer.byteLength(v)
    }
    const out = Buffer.allocUnsafe(length)
    let at = out.write(head, 0)
    for (let i = 0; i < facts.length; i++) {
      if (i > 0) out[at++] = COMMA
      at += (facts[i] as Buffer).copy(out, at)
      // '{…facts' + '{…view}' → '{…facts,…view}': the view's opening brace becomes the comma.
      const v = at
      at += out.write(views[i] as string, at)
      out[v] = COMMA
    }
    out[at++] = CLOSE_BRACKET
    out[at++] = CLOSE_BRACE
    if (at !== length) throw new Error(`resolve body: wrote ${at} bytes of ${length}`)
    return out
  }

  private factsOf (route: Route, serialize: Serialize): Buffer {
    let kept = this.facts.get(route)
    if (kept !== undefined) return kept
    const json = serialize(toRouteFactsJson(route))
    kept = Buffer.from(json.slice(0, -1))
    if (kept.length > this.maxBytes) return kept
    this.facts.set(route, kept)
    this.bytes += kept.length
    if (this.bytes > this.maxBytes) this.dropOldest()
    return kept
  }

  private dropOldest (): void {
    // Map order is insertion order: the first entries are the oldest.
    for (const [route, kept] of this.facts) {
      if (this.bytes <= this.maxBytes) return
      this.facts.delete(route)
      this.bytes -= kept.length
    }
  }
}
