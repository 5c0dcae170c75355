import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameDecodeError } from '../../../agp/codec/frame-codec.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import { frame, route } from '../../helpers/frame-arbitraries.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
/** The decoders of a peer's bytes: `npm run fuzz` gives them a million inputs each. */
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

/** Whatever the bytes: no throw, and either a valid frame (that round-trips) or a FrameDecodeError. */
function checkNeverThrows (bytes: Uint8Array): void {
  const r = decodeFrame(bytes)
  if (r.ok) {
    expect(decodeFrame(encodeFrame(r.value))).toEqual(r)
  } else {
    expect(r.error).toBeInstanceOf(FrameDecodeError)
    expect(r.error.notificationCode).toBeGreaterThanOrEqual(1)
  }
}

describe('frame codec properties', () => {
  it('round-trips arbitrary valid frames', () => {
    fc.assert(fc.property(frame, (f) => {
      expect(decodeFrame(encodeFrame(f))).toEqual({ ok: true, value: f })
    }), { numRuns })
  })

  it('round-trips arbitrary valid routes (the Adj-RIB-In persistence form)', () => {
    fc.assert(fc.property(route, (r) => {
      expect(decodeRoute(encodeRoute(r))).toEqual({ ok: true, value: r })
    }), { numRuns })
  })

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), checkNeverThrows), { numRuns: decoderRuns })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      const r = decodeRoute(b)
      if (!r.ok) expect(r.error).toBeInstanceOf(FrameDecodeError)
    }), { numRuns: decoderRuns })
  })

  it('single-byte mutations and truncations of valid frames never throw', () => {
    fc.assert(fc.property(frame, fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, value) => {
      const bytes = encodeFrame(f)
      if (bytes.length === 0) return
      const mutated = new Uint8Array(bytes)
      mutated[at % bytes.length] = value
      checkNeverThrows(mutated)
      checkNeverThrows(bytes.subarray(0, at % bytes.length))
    }), { numRuns: decoderRuns })
  })

  it('mutations inside signed attributes are caught by validation or change the decoded attrs', () => {
    fc.assert(fc.property(route, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, flip) => {
      const attrsBytes = new Uint8Array(r.attrsBytes)
      const i = at % attrsBytes.length
      attrsBytes[i] = (attrsBytes[i] ?? 0) ^ flip
      const d = decodeFrame(encodeFrame({ type: 'update', announces: [{ ...r, attrsBytes }], withdraws: [] }))
      if (d.ok && d.value.type === 'update') expect(d.value.announces[0]?.attrsBytes).toEqual(attrsBytes)
      else expect(d.ok ? undefined : d.error).toBeInstanceOf(FrameDecodeError)
    }), { numRuns })
  })
})
