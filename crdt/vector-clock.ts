/**
 * Vector clocks over signer streams. A stream is one writer process lifetime:
 * (peerId, epoch), written `peerId/epoch`. Its envelopes are numbered seq = 1, 2, 3...
 * An entry `stream → n` means "envelopes 1..n of that stream" (they are always held
 * as a prefix: a replica applies a stream in order). An envelope's `deps` is the
 * writer's version vector just before it wrote, its own stream included (at seq − 1);
 * its clock is deps plus { own stream → seq }. e1 happened before e2 exactly when
 * e2.deps[e1.stream] ≥ e1.seq.
 */
export type VectorClock = ReadonlyMap<string, number>

/**
 * The last few stream keys built, by (peerId, epoch): ingest names the same few streams
 * for every envelope (its own, its deps') several times over, and a key handed out
 * again is one string whose hash the maps have computed already, not a new one to
 * build and hash. Bounded and deterministic: it changes the cost, never the result.
 */
const MEMO_SIZE = 16
const memoPeers: string[] = new Array<string>(MEMO_SIZE).fill('')
const memoEpochs: number[] = new Array<number>(MEMO_SIZE).fill(-1)
const memoKeys: string[] = new Array<string>(MEMO_SIZE).fill('')
let memoNext = 0

export function streamKey (peerId: string, epoch: number): string {
  for (let i = 0; i < MEMO_SIZE; i++) {
    if (memoEpochs[i] === epoch && memoPeers[i] === peerId) return memoKeys[i] as string
  }
  const key = `${peerId}/${epoch}`
  memoPeers[memoNext] = peerId
  memoEpochs[memoNext] = epoch
  memoKeys[memoNext] = key
  memoNext = (memoNext + 1) % MEMO_SIZE
  return key
}

export function parseStreamKey (key: string): { peerId: string, epoch: number } {
  const i = key.lastIndexOf('/')
  return { peerId: key.slice(0, i), epoch: Number(key.slice(i + 1)) }
}

/** The entries of `want` that `have` does not cover: what `have`'s holder lacks. */
export function missingEntries (have: VectorClock, want: VectorClock): Map<string, number> {
  const out = new Map<string, number>()
  for (const [k, n] of want) if ((have.get(k) ?? 0) < n) out.set(k, n)
  return out
}

/** True when `a` covers every entry of `b` (a ≥ b componentwise). */
export function dominates (a: VectorClock, b: VectorClock): boolean {
  for (const [k, n] of b) if ((a.get(k) ?? 0) < n) return false
  return true
}

/** Sum of entries: strictly increases along happens-before, so it orders a linear extension. */
export function clockWeight (c: VectorClock): number {
  let s = 0
  for (const n of c.values()) s += n
  return s
}

/** Canonical order of entries (by stream key), as encoded on the wire and shown by the API. */
export function sortedEntries (c: VectorClock): Array<[string, number]> {
  return [...c].filter(([, n]) => n > 0).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
}

export function clockToJSON (c: VectorClock): Record<string, number> {
  return Object.fromEntries(sortedEntries(c))
}
