// The resolve ranking kept per capability: an origin reads a capability its own agents
// changed in as the change settles, so its resolves find the ranking ready, also after
// it re-advertises every path; paths received in UPDATEs are read in by the first
// resolve that asks, and after that as they change.
import { describe, expect, it } from 'vitest'
import { DEFAULT_FRESHNESS } from '../../../agp/params.ts'
import { agent, reflectorWithTwoClients, type SpeakerHarness } from '../../helpers/speaker-harness.ts'

const CAP = 'code-review'
const AGENTS = 5

function withAgents (): SpeakerHarness {
  const h = reflectorWithTwoClients()
  for (let i = 0; i < AGENTS; i++) {
    h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, CAP, { costUsd: 0.1 + i / 10, winRate: { wins: 10 * i, trials: 100 } }) })
  }
  h.runFor(1000)
  return h
}

const reads = (h: SpeakerHarness, node: string): [number, number] => {
  const c = h.node(node).counters()
  return [c.resolveRankingReads, c.resolveRankingPathsRead]
}

const answer = (h: SpeakerHarness, node: string): string[] =>
  (h.node(node).resolve({ capability: CAP }, h.nowMs)?.candidates ?? []).map((c) => `${c.view.route.attrs.agentId} ${c.reason} ${c.score}`)

describe('speaker: kept resolve ranking', () => {
  it('an origin reads its own agents\' capability in as they change; a receiver at the first resolve, and then only what changed', () => {
    const h = withAgents()
    // pa: each upsert read in its one new path; its resolve reads nothing.
    expect(reads(h, 'pa')).toEqual([AGENTS, AGENTS])
    expect(answer(h, 'pa')).toHaveLength(AGENTS)
    expect(reads(h, 'pa')).toEqual([AGENTS, AGENTS])
    // pc and the reflector received the paths in UPDATEs: their first resolve reads them, the next reads nothing.
    for (const node of ['pc', 'rr1']) {
      expect(reads(h, node)).toEqual([0, 0])
      expect(answer(h, node)).toEqual(answer(h, node))
      expect(reads(h, node)).toEqual([1, AGENTS])
    }
    // Now that pc resolved the capability, a change that arrives in UPDATEs keeps its ranking current.
    h.input('pa', { type: 'agent-upsert', agent: agent('late', CAP) })
    h.runFor(1000)
    expect(reads(h, 'pc')).toEqual([2, AGENTS + 1])
    expect(answer(h, 'pc')).toHaveLength(AGENTS + 1)
    expect(reads(h, 'pc')).toEqual([2, AGENTS + 1])
  })

  it('reads an origin\'s re-advertised paths in as they arrive, at the origin and at a receiver that resolved before; same answer but for the fresher scores', () => {
    const h = withAgents()
    const before = answer(h, 'pc')
    const [peerReads, peerPaths] = reads(h, 'pc')
    const [originReads, originPaths] = reads(h, 'pa')
    h.runFor(DEFAULT_FRESHNESS.refreshS * 1000)
    expect(reads(h, 'pa')[1] - originPaths).toBeGreaterThanOrEqual(AGENTS)
    const originAfter = reads(h, 'pa')
    expect(originAfter[0]).toBeGreaterThan(originReads)
    answer(h, 'pa')
    expect(reads(h, 'pa')).toEqual(originAfter)
    // pc resolved the capability before: the re-advertised paths were read in as they arrived.
    const [peerReadsAfter, peerPathsAfter] = reads(h, 'pc')
    expect(peerReadsAfter).toBeGreaterThan(peerReads)
    expect(peerPathsAfter - peerPaths).toBeGreaterThanOrEqual(AGENTS)
    const after = answer(h, 'pc')
    expect(reads(h, 'pc')).toEqual([peerReadsAfter, peerPathsAfter])
    expect(after.map((a) => a.split(' ').slice(0, 2))).toEqual(before.map((a) => a.split(' ').slice(0, 2)))
  })
})
