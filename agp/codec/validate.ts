/**
 * Checks shared by the decoders. Each returns the checked value or throws the
 * FrameDecodeError the caller's factory builds; the public decoders catch it and
 * return it in a DecodeResult, so nothing here escapes as a throw.
 */
import type { FrameDecodeError } from './errors.ts'

export type ErrorFactory = (message: string) => FrameDecodeError

export function fail (err: ErrorFactory, message: string): never {
  throw err(message)
}

export function checkString (v: unknown, what: string, pattern: RegExp, maxLength: number, err: ErrorFactory): string {
  if (typeof v !== 'string') return fail(err, `${what} is not a string`)
  // Length first: never run a regex over a huge string.
  if (v.length > maxLength) return fail(err, `${what} is ${v.length} chars long, max ${maxLength}`)
  if (!pattern.test(v)) return fail(err, `${what} ${JSON.stringify(v.slice(0, 64))} is malformed`)
  return v
}

export function checkStringList (v: unknown, what: string, pattern: RegExp, maxLength: number, maxCount: number, err: ErrorFactory): string[] {
  if (!Array.isArray(v)) return fail(err, `${what} is not a list`)
  if (v.length > maxCount) return fail(err, `${what} has ${v.length} entries, max ${maxCount}`)
  return v.map((s, i) => checkString(s, `${what}[${i}]`, pattern, maxLength, err))
}

/** A finite, non-negative double; -0 becomes 0 so equal values compare equal. */
export function checkNonNegative (v: unknown, what: string, err: ErrorFactory): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return fail(err, `${what} must be a finite number >= 0, got ${String(v)}`)
  return v + 0
}

/**
 * uint64 from protobufjs: a number, or a Long when the `long` package is installed
 * (protobufjs decodes uint64 that way). Only safe integers are accepted: above 2^53 a number is no longer exact.
 */
export function checkSafeUint (v: unknown, what: string, err: ErrorFactory): number {
  let n: number
  if (typeof v === 'number') n = v
  else if (typeof v === 'object' && v !== null && 'high' in v && 'low' in v) {
    const { high, low } = v as { high: number, low: number }
    n = (high >>> 0) * 0x1_0000_0000 + (low >>> 0)
  } else return fail(err, `${what} is not an integer`)
  if (!Number.isSafeInteger(n) || n < 0) return fail(err, `${what} must be a safe integer >= 0, got ${String(n)}`)
  return n
}

/**
 * Bytes of at most maxLength, as decoded: a view into the frame buffer, which must not
 * be kept alive (the caller copies what it keeps, agp/codec/byte-slab.ts).
 */
export function checkBytes (v: unknown, what: string, maxLength: number, err: ErrorFactory): Uint8Array {
  if (!(v instanceof Uint8Array)) return fail(err, `${what} is not bytes`)
  if (v.length > maxLength) return fail(err, `${what} is ${v.length} bytes long, max ${maxLength}`)
  return v
}

/** `like` when `v` is that same string (like passed the check `v` would get); otherwise undefined. */
export function sameString (v: unknown, like: string | undefined): string | undefined {
  return like !== undefined && v === like ? like : undefined
}

/** `like` when `v` is a list of the same strings in the same order (like passed the list's check); otherwise undefined. */
export function sameList (v: unknown, like: readonly string[] | undefined): readonly string[] | undefined {
  if (like === undefined || !Array.isArray(v) || v.length !== like.length) return undefined
  for (let i = 0; i < like.length; i++) if (v[i] !== like[i]) return undefined
  return like
}
