/**
 * "Did you mean" for names an operator types: the closest known name by edit distance
 * (Damerau–Levenshtein with adjacent transpositions), accepted only when it is close
 * enough to be a typo rather than another word.
 */
import type { z } from 'zod'

/** Edits (insert, delete, substitute, swap two adjacent) from a to b. */
export function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[]
    const prev = d[i - 1] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1)
      row[j] = v
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/** The closest candidate within max(1, ⌊len/3⌋) edits; ties go to the first. */
export function closest (word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const c of candidates) {
    const dist = editDistance(word, c)
    if (dist < bestDistance) { best = c; bestDistance = dist }
  }
  return best
}

interface ZodDef { type: string, shape?: Record<string, z.ZodType>, innerType?: z.ZodType, element?: z.ZodType }

function defOf (schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def
}

/** The keys an object schema accepts at `path` (array indexes step into elements); [] if none. */
export function keysAt (schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema
  const unwrap = (): void => {
    while (s !== undefined && defOf(s).innerType !== undefined) s = defOf(s).innerType
  }
  unwrap()
  for (const seg of path) {
    if (s === undefined) return []
    const def = defOf(s)
    s = typeof seg === 'number' ? def.element : def.shape?.[String(seg)]
    unwrap()
  }
  const shape = s !== undefined ? defOf(s).shape : undefined
  return shape !== undefined ? Object.keys(shape) : []
}
