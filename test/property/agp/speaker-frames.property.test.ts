// A hostile neighbor's `/agp/1.0.0` frames against a real Speaker (a reflector with two
// clients): arbitrary valid frames, routes correctly signed by the sender with arbitrary
// attributes, withdraws, refresh storms and raw bytes, in any order and timing. The
// speaker never throws, everything it sends encodes and decodes, and the other client
// only ever holds routes that verify, originated by the sender, within the sender's
// route limit. CI-sized here (60 sequences); with FUZZ_SPEAKER_FRAMES=<n> (a million in
// `npm run fuzz`) it runs batches of sequences until it has fed the speaker n frames.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeRouteAttributes } from '../../../agp/codec/frame-codec.ts'
import type { Frame } from '../../../agp/codec/frame.ts'
import type { SpeakerInput } from '../../../reflector/types.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { agentId, attrs, capability, frame, org } from '../../helpers/frame-arbitraries.ts'
import { SpeakerHarness } from '../../helpers/speaker-harness.ts'
import { batchParameters, FuzzProgress } from '../../helpers/fuzz-batches.ts'

/** Frames (decoded frames and raw bytes) to feed in all; 0 = one CI-sized batch. */
const frameBudget = Number(process.env.FUZZ_SPEAKER_FRAMES ?? 0)
/** Sequences per fast-check run: large batches keep its bias ramp from small to large values. */
const batchRuns = frameBudget > 0 ? 10_000 : 60
const MAX_ROUTES = 16
const signer = fakeSigner('pa')

/** A route pa really signed (it verifies), whatever its attributes claim. */
const signedByPa = attrs.map((a) => {
  const at = { ...a, originOrg: 'a', originPeerId: 'pa', originatedAtMs: 0, winRate: { ...a.winRate, measuredAtMs: 0 } }
  const attrsBytes = encodeRouteAttributes(at)
  return { attrs: at, attrsBytes, signature: signer.sign(attrsBytes), orgPath: [at.originOrg], sitePath: [], originatorId: '', clusterList: [], pathTags: [] }
})

type Step = { kind: 'frame', frame: Frame } | { kind: 'bytes', bytes: Uint8Array } | { kind: 'wait', ms: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: frame.map((f) => ({ kind: 'frame' as const, frame: f })) },
  { weight: 4, arbitrary: fc.array(signedByPa, { minLength: 1, maxLength: 4 }).map((announces) => ({ kind: 'frame' as const, frame: { type: 'update' as const, announces, withdraws: [] } })) },
  { weight: 2, arbitrary: fc.array(fc.record({ capability, originOrg: org, agentId }), { minLength: 1, maxLength: 4 }).map((withdraws) => ({ kind: 'frame' as const, frame: { type: 'update' as const, announces: [], withdraws } })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'frame' as const, frame: { type: 'route-refresh' as const } }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((ms) => ({ kind: 'wait' as const, ms })) }
)

function established (): SpeakerHarness {
  const h = new SpeakerHarness()
  const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }
  h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
  h.add({
    peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1',
    neighbors: [{ peerId: 'pa', org: 'a', role: 'client', maxRoutes: MAX_ROUTES }, { peerId: 'pc', org: 'c', role: 'client' }]
  })
  h.startAll()
  h.runFor(100)
  return h
}

function inputOf (s: Exclude<Step, { kind: 'wait' }>): SpeakerInput {
  if (s.kind === 'frame') return { type: 'frame', peer: 'pa', frame: s.frame }
  const d = decodeFrame(s.bytes)
  if (d.ok) return { type: 'frame', peer: 'pa', frame: d.value }
  const { notificationCode, subcode, message } = d.error
  return { type: 'bad-frame', peer: 'pa', error: { notificationCode, subcode, message } }
}

describe('speaker under a hostile neighbor\'s frames', () => {
  it('never throws, sends only encodable frames, and passes on only what verifies', () => {
    let passedOn = 0
    let sequences = 0
    const frames = new FuzzProgress('speaker fuzz, frames', frameBudget > 0 ? 50_000 : 0)
    let batch = 0
    do {
      fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => frames.check(() => {
        // The harness carries every sent frame through the real codec: a frame that does
        // not encode or decode throws out of here.
        const h = established()
        sequences++
        for (const s of steps) {
          if (s.kind === 'wait') h.runFor(s.ms)
          else { frames.add(); h.input('rr1', inputOf(s)); h.runFor(5) }
        }
        h.runFor(1000)
        const atRr = h.node('rr1').routes(h.nowMs).filter((v) => v.fromPeer === 'pa')
        expect(atRr.length).toBeLessThanOrEqual(MAX_ROUTES)
        for (const v of h.node('pc').routes(h.nowMs)) {
          expect(v.route.attrs.originPeerId).toBe('pa')
          expect(fakeVerifier.verify('pa', v.route.attrsBytes, v.route.signature)).toBe(true)
        }
        expect(h.node('rr1').peers().find((p) => p.peerId === 'pc')?.state).toBe('established')
        if (h.node('pc').routes(h.nowMs).length > 0) passedOn++
      })), batchParameters(batch++, batchRuns))
    } while (frames.inputs < frameBudget)
    if (frameBudget > 0) console.log(`speaker fuzz: ${sequences} sequences, ${frames.inputs} frames, ${passedOn} passed routes on`)
    // Not vacuous: some sequences got routes all the way through.
    expect(passedOn).toBeGreaterThan(0)
  })
})
