/**
 * Codec: encodeFrame / decodeFrame of UPDATE frames (agp/codec/frame-codec.ts), and
 * decodeFrame of garbage, which must return the typed error and never throw.
 *
 * Routes are originated with the fake signer (signing is not measured here; the
 * signature is 64 bytes either way) and look reflected once: realistic sizes.
 */
import { randomBytes } from 'node:crypto'
import type { Frame } from '../agp/index.ts'
import { decodeFrame, encodeFrame, FrameDecodeError } from '../agp/index.ts'
import { fakeSigner } from '../test/helpers/fixtures.ts'
import { measure, scaled, sig } from './lib/measure.ts'
import { ed25519Identity, originateMany, reflected } from './lib/routes.ts'

const FRAME_SIZES = [1, 64, 512]
const GARBAGE_SAMPLES = 2000

export default async function (): Promise<Record<string, unknown>> {
  const origin = await ed25519Identity()
  const rr = await ed25519Identity()
  const routes = originateMany(512, { org: 'acme', signer: fakeSigner(origin.peerId) }).map((r) => reflected(r, rr.peerId))

  const figures: Record<string, unknown> = {}
  for (const size of FRAME_SIZES) {
    const frame: Frame = { type: 'update', announces: routes.slice(0, size), withdraws: [] }
    const bytes = encodeFrame(frame)
    const check = decodeFrame(bytes)
    if (!check.ok || check.value.type !== 'update' || check.value.announces.length !== size) {
      throw new Error(`codec bench: a ${size}-route frame does not round-trip`)
    }
    const batch = Math.max(1, Math.floor(64 / size))
    const enc = measure(() => encodeFrame(frame), { batch })
    const dec = measure(() => decodeFrame(bytes), { batch })
    figures[`update${size}`] = {
      routesPerFrame: size,
      frameBytes: bytes.length,
      bytesPerRoute: sig(bytes.length / size),
      encodeFramesPerS: sig(enc.perS),
      encodeRoutesPerS: sig(enc.perS * size),
      decodeFramesPerS: sig(dec.perS),
      decodeRoutesPerS: sig(dec.perS * size),
      decodeMBPerS: sig(dec.perS * bytes.length / 1e6)
    }
  }
  figures.garbage = garbageFigures(encodeFrame({ type: 'update', announces: routes.slice(0, 8), withdraws: [] }))
  return figures
}

/**
 * Two kinds of bad input: uniformly random bytes (0–2 KB) and a valid 8-route frame
 * with a few bytes overwritten (gets past the protobuf parser more often, so the
 * validators run). Counts outcomes over all calls (warm-up included); `threw` and
 * `untyped` (an error that is not a FrameDecodeError) must stay 0.
 */
function garbageFigures (valid: Uint8Array): Record<string, unknown> {
  const n = scaled(GARBAGE_SAMPLES)
  const random: Uint8Array[] = []
  const mutated: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    random.push(new Uint8Array(randomBytes(i % 2048)))
    const m = valid.slice()
    const noise = randomBytes(8)
    for (let k = 0; k < 4; k++) m[(noise[k] ?? 0) * 257 % m.length] = noise[k + 4] ?? 0
    mutated.push(m)
  }
  const out: Record<string, unknown> = {}
  for (const [name, samples] of [['random', random], ['mutated', mutated]] as const) {
    let threw = 0
    let errors = 0
    let untyped = 0
    let accepted = 0
    const rate = measure((i) => {
      try {
        const r = decodeFrame(samples[i % samples.length] as Uint8Array)
        if (r.ok) accepted++
        else if (r.error instanceof FrameDecodeError) errors++
        else untyped++
        return r
      } catch {
        threw++
        return undefined
      }
    })
    out[name] = { samples: samples.length, decodesPerS: sig(rate.perS), errors, untyped, accepted, threw }
  }
  return out
}
