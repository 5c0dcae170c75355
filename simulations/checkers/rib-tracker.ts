/**
 * Watches every Loc-RIB through the Speakers' 'loc-rib-changed' effects and decides
 * convergence, oscillation and loops. A change counts only when the node's ranked list
 * of usable paths for that capability differs (a refresh that changes nothing does not
 * count). Work is batched per virtual instant: all changes at one time are read once.
 *
 * Global state hash: XOR over (node, capability, ranked paths) of a 64-bit hash,
 * updated incrementally, so recurrence of a whole-federation state costs O(1) to test.
 *
 * The loop checks look at every path read, but a path copy (a Loc-RIB candidate: an
 * immutable object, often the same one at thousands of nodes) that was in the ranking
 * read last time at this node and capability, when that ranking had no problem, has
 * none now either: the checks are a function of the node and the copy alone. Only the
 * copies new to the ranking are checked (a large run reads tens of millions of paths,
 * nearly all of them read before); every problem is still reported at every read.
 */
import type { Speaker } from '../../reflector/index.ts'
import type { SimNodeSpec } from '../topology/model.ts'
import { pathKeyOf } from '../../agp/index.ts'
import { hash64Joined } from './hash.ts'
import { loopProblems, type LoopCheckedPath, type Violation } from './loops.ts'

const MAX_VIOLATIONS = 100
/** Distinct global states remembered between two scenario events (bounded). */
const MAX_STATES = 100_000

export interface RibTrackerOptions {
  readonly nodes: ReadonlyMap<string, { readonly spec: SimNodeSpec, readonly speaker: Speaker | undefined }>
  /** A run is converged when nothing changed for this long before its end. */
  readonly quietMs: number
  readonly onViolation?: (v: Violation) => void
}

export interface RibVerdict {
  readonly converged: boolean
  readonly oscillating: boolean
  readonly convergenceMs: number
  readonly bestPathChanges: number
  readonly locRibChanges: number
  /** Global state recurrences since the last scenario event. */
  readonly recurrences: number
}

export class RibTracker {
  /** node → capability → digest of its ranked usable path ids (hashes only: 10,000 nodes must fit). */
  private readonly ribs = new Map<string, Map<string, RibDigest>>()
  private readonly dirty = new Map<string, Set<string> | 'all'>()
  private readonly opts: RibTrackerOptions
  private hashA = 0
  private hashB = 0
  private seen = new Set<string>()
  lastChangeMs = 0
  lastScenarioMs = 0
  bestPathChanges = 0
  locRibChanges = 0
  recurrences = 0
  /** Change times (one per instant with changes): the convergence timeline. */
  readonly changeTimes: { atMs: number, changes: number }[] = []
  readonly violations: Violation[] = []

  constructor (opts: RibTrackerOptions) {
    this.opts = opts
  }

  markChanged (node: string, capability: string): void {
    const d = this.dirty.get(node)
    if (d === 'all') return
    if (d === undefined) this.dirty.set(node, new Set([capability]))
    else d.add(capability)
  }

  /** A node went down (Loc-RIB gone) or came up (whole Loc-RIB new). */
  markNode (node: string): void {
    this.dirty.set(node, 'all')
  }

  scenarioEvent (nowMs: number): void {
    this.lastScenarioMs = nowMs
    this.seen = new Set()
    this.recurrences = 0
  }

  /** Reads every dirty Loc-RIB at `nowMs` (the instant that just ended). */
  flush (nowMs: number): void {
    if (this.dirty.size === 0) return
    let changes = 0
    for (const [node, caps] of this.dirty) {
      const rt = this.opts.nodes.get(node)
      if (rt === undefined) continue
      const speaker = rt.speaker
      const current = this.ribs.get(node) ?? new Map<string, RibDigest>()
      const ranked = caps === 'all' || speaker === undefined ? undefined : rankedPathsOf(speaker)
      if (caps !== 'all' && ranked !== undefined) {
        for (const cap of caps) {
          const order = ranked(cap)
          const read = readRanked(rt.spec, order, current.get(cap), nowMs, this)
          changes += this.update(node, current, cap, read.paths, order, read.clean)
        }
      } else {
        const byCap = groupUsable(rt.spec, speaker, nowMs, caps, this)
        const names = caps === 'all' ? new Set([...current.keys(), ...byCap.keys()]) : caps
        for (const cap of names) changes += this.update(node, current, cap, byCap.get(cap) ?? [], undefined, false)
      }
      if (current.size > 0) this.ribs.set(node, current)
      else this.ribs.delete(node)
    }
    this.dirty.clear()
    if (changes === 0) return
    this.lastChangeMs = nowMs
    this.locRibChanges += changes
    this.changeTimes.push({ atMs: nowMs, changes })
    const key = `${this.hashA}:${this.hashB}`
    if (this.seen.has(key)) this.recurrences++
    else if (this.seen.size < MAX_STATES) this.seen.add(key)
  }

  /** `order` and `clean`: the ranking read and whether its loop checks found nothing (readRanked). */
  private update (node: string, current: Map<string, RibDigest>, cap: string, paths: readonly string[], order: readonly PathRead[] | undefined, clean: boolean): number {
    const before = current.get(cap)
    const after: RibDigest | undefined = paths.length === 0 ? undefined : digest(node, cap, paths, order, clean)
    if (before === undefined && after === undefined) return 0
    if (before !== undefined && after !== undefined && before.a === after.a && before.b === after.b) {
      // Same paths: keep the digest, with the ranking just read for the next loop checks.
      current.set(cap, after)
      return 0
    }
    if (before?.best !== after?.best) this.bestPathChanges++
    if (before !== undefined) this.toggle(before)
    if (after !== undefined) {
      this.toggle(after)
      current.set(cap, after)
    } else {
      current.delete(cap)
    }
    return 1
  }

  private toggle (d: RibDigest): void {
    this.hashA = (this.hashA ^ d.a) >>> 0
    this.hashB = (this.hashB ^ d.b) >>> 0
  }

  recordViolation (v: Violation): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(v)
    this.opts.onViolation?.(v)
  }

  stateHashHex (): string {
    return this.hashA.toString(16).padStart(8, '0') + this.hashB.toString(16).padStart(8, '0')
  }

  verdict (endMs: number, stoppedEarly: boolean): RibVerdict {
    const settledSince = Math.max(this.lastChangeMs, this.lastScenarioMs)
    const converged = !stoppedEarly && endMs - settledSince >= this.opts.quietMs
    return {
      converged,
      // The same global state came back with no scenario event in between, and Loc-RIBs were still changing at the end.
      oscillating: !converged && this.recurrences > 0,
      convergenceMs: this.lastChangeMs,
      bestPathChanges: this.bestPathChanges,
      locRibChanges: this.locRibChanges,
      recurrences: this.recurrences
    }
  }
}

/** How far ahead in the previous ranking a copy is looked for (a few paths inserted or dropped above it). */
const LOOK_AHEAD = 8

/**
 * The usable path ids of one capability's ranking (the same paths routes(nowMs, cap)
 * lists for it, without building views), loop-checking the copies not in the ranking
 * read before (`prev`) when that one was clean. Rankings keep their relative order
 * mostly, so a forward scan with a short look-ahead finds the copies seen before; a copy
 * not found is simply checked. A ranking array is never changed once returned (the
 * Speaker returns a new one when it changes); the same array again is checked in full.
 */
function readRanked (spec: SimNodeSpec, order: readonly PathRead[], prev: RibDigest | undefined, nowMs: number, tracker: RibTracker): { paths: string[], clean: boolean } {
  const seen = prev !== undefined && prev.clean && prev.order !== undefined && prev.order !== order ? prev.order : undefined
  const paths: string[] = []
  let clean = true
  let j = 0
  for (const c of order) {
    let known = false
    if (seen !== undefined) {
      const end = Math.min(seen.length, j + LOOK_AHEAD)
      for (let k = j; k < end; k++) {
        if (seen[k] === c) {
          known = true
          j = k + 1
          break
        }
      }
    }
    if (!known && checkLoops(spec, c, nowMs, tracker)) clean = false
    if (c.usable) paths.push(c.path ?? pathKeyOf(c.route))
  }
  return { paths, clean }
}

/** Usable paths per capability, in the Speaker's local rank order; loop-checks every path read. */
function groupUsable (spec: SimNodeSpec, speaker: Speaker | undefined, nowMs: number, caps: Set<string> | 'all', tracker: RibTracker): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (speaker === undefined) return out
  if (caps === 'all') {
    for (const v of speaker.routes(nowMs)) readPath(spec, v, nowMs, tracker, out)
  } else {
    for (const cap of caps) {
      for (const v of speaker.routes(nowMs, cap)) if (v.route.attrs.capability === cap) readPath(spec, v, nowMs, tracker, out)
    }
  }
  return out
}

/** `path`: the copy's path id when it carries one (a Loc-RIB copy), saving its lookup. */
type PathRead = LoopCheckedPath & { readonly usable: boolean, readonly path?: string }

/** AtpSpeaker.rankedPaths (reflector/speaker.ts) when the Speaker has it. */
function rankedPathsOf (speaker: Speaker): ((capability: string) => readonly PathRead[]) | undefined {
  const s = speaker as Speaker & { rankedPaths?: (capability: string) => readonly PathRead[] }
  return typeof s.rankedPaths === 'function' ? (cap) => (s.rankedPaths as (capability: string) => readonly PathRead[])(cap) : undefined
}

function readPath (spec: SimNodeSpec, v: PathRead, nowMs: number, tracker: RibTracker, out: Map<string, string[]>): void {
  checkLoops(spec, v, nowMs, tracker)
  if (!v.usable) return
  const cap = v.route.attrs.capability
  let list = out.get(cap)
  if (list === undefined) out.set(cap, list = [])
  // The path id `${originOrg}/${agentId}`, built once per advertisement.
  list.push(v.path ?? pathKeyOf(v.route))
}

/** Records the path's loop problem if it has one; true when it had. */
function checkLoops (spec: SimNodeSpec, v: PathRead, nowMs: number, tracker: RibTracker): boolean {
  const problem = loopProblems(spec, v)
  if (problem === undefined) return false
  tracker.recordViolation({ atMs: nowMs, checker: 'loop', node: spec.id, detail: problem })
  return true
}

interface RibDigest {
  readonly a: number
  readonly b: number
  readonly best: string
  /** The ranking this digest was read from (when read by rankedPaths) and whether all its copies passed the loop checks. */
  readonly order: readonly PathRead[] | undefined
  readonly clean: boolean
}

function digest (node: string, cap: string, paths: readonly string[], order: readonly PathRead[] | undefined, clean: boolean): RibDigest {
  const [a, b] = hash64Joined(node, cap, paths)
  return { a, b, best: paths[0] as string, order, clean }
}
