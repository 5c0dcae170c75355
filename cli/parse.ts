/** Option value parsers: a bad value is a usage error naming the flag. */
import { InvalidArgumentError } from 'commander'

export function parseNonNegative (value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0')
  return n
}

export function parseCount (value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number ≥ 0')
  return n
}

export function parsePositiveInt (value: string): number {
  const n = parseCount(value)
  if (n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1')
  return n
}

export function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
