/**
 * DampingState to and from its persisted JSON form (SpeakerSnapshot.damping[].state).
 * The stored value comes back from disk as `unknown`: decode checks every field and
 * throws InvalidArgumentError, never anything else.
 */
import { InvalidArgumentError } from '../../kernel/index.ts'
import type { DampingState } from './damping.ts'

export function encodeDampingState (state: DampingState): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {
    penalty: state.penalty,
    updatedAtMs: state.updatedAtMs,
    suppressed: state.suppressed,
    maxPenalty: state.maxPenalty,
    flaps: state.flaps
  }
  if (state.suppressedAtMs !== undefined) out.suppressedAtMs = state.suppressedAtMs
  return out
}

export function decodeDampingState (value: unknown): DampingState {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('damping state: expected an object')
  const v = value as Record<string, unknown>
  const penalty = finite(v, 'penalty', 0)
  const updatedAtMs = finite(v, 'updatedAtMs')
  const maxPenalty = finite(v, 'maxPenalty', 0)
  const flaps = finite(v, 'flaps', 0)
  if (!Number.isInteger(flaps)) throw new InvalidArgumentError('damping state: flaps must be an integer')
  if (typeof v.suppressed !== 'boolean') throw new InvalidArgumentError('damping state: suppressed must be a boolean')
  const base: DampingState = { penalty, updatedAtMs, suppressed: v.suppressed, maxPenalty, flaps }
  if (v.suppressedAtMs === undefined) return base
  return { ...base, suppressedAtMs: finite(v, 'suppressedAtMs') }
}

function finite (v: Record<string, unknown>, key: string, min?: number): number {
  const x = v[key]
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidArgumentError(`damping state: ${key} must be a finite number`)
  if (min !== undefined && x < min) throw new InvalidArgumentError(`damping state: ${key} must be ≥ ${min}`)
  return x
}
