/**
 * Engine, network, checkers and report against the stand-in Speaker
 * (test/helpers/sim-stand-in-speaker.ts), independent of reflector/.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../kernel/ports.ts'
import { EventQueue } from '../../simulations/engine/event-queue.ts'
import { SimNetwork } from '../../simulations/engine/network.ts'
import { simSigner, simVerifier } from '../../simulations/engine/sim-keys.ts'
import { encodeReport } from '../../simulations/report/report.ts'
import { runSimulation } from '../../simulations/run.ts'
import { linkKey } from '../../simulations/topology/model.ts'
import { parseTopology } from '../../simulations/topology/load.ts'
import { createStandInSpeaker } from '../helpers/sim-stand-in-speaker.ts'

const TOPOLOGY = `
seed: 4
durationS: 60
defaults: { linkDelayMs: 10, jitterMs: 7 }
reflectors: [{ id: rr1, cluster: c1, peers: [rr2] }, { id: rr2, cluster: c2 }]
orgs:
  - { id: acme, reflectors: [rr1], agents: [{ id: rev, capability: code-review/python, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }] }
  - { id: globex, reflectors: [rr2], agents: [{ id: rev, capability: code-review/python, costUsd: 0.3, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }] }
links: [{ a: rr1, b: rr2, delayMs: 30, loss: 0.3 }]
events:
  - { atS: 20, type: crash, node: rr2 }
  - { atS: 30, type: restart, node: rr2 }
`
const run = (seed?: number, mode: 'timed' | 'fifo' = 'timed') =>
  runSimulation(parseTopology(TOPOLOGY), { createSpeaker: createStandInSpeaker, ...(seed !== undefined ? { seed } : {}), mode })

describe('event queue', () => {
  it('orders by time, then by scheduling order', () => {
    const q = new EventQueue<string>()
    const r = seededRandom(1)
    const want: [number, number, string][] = []
    for (let i = 0; i < 500; i++) {
      const t = Math.floor(r.next() * 20)
      q.push(t, `e${i}`)
      want.push([t, i, `e${i}`])
    }
    want.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    const got: string[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) got.push(e.item)
    expect(got).toEqual(want.map((w) => w[2]))
  })
})

describe('network', () => {
  const links = new Map([[linkKey('a', 'b'), { a: 'a', b: 'b', delayMs: 10, loss: 0.5 }]])
  it('keeps each direction FIFO under jitter and loss, and delays lost segments by an RTO', () => {
    const net = new SimNetwork({ links, defaultDelayMs: 10, jitterMs: 50, random: seededRandom(3), zeroDelay: false })
    let last = 0
    let retransmitted = 0
    for (let t = 0; t < 1000; t += 5) {
      const at = net.deliveryMs('a', 'b', t)
      expect(at).toBeGreaterThanOrEqual(Math.max(last, t + 10))
      if (at >= t + 200) retransmitted++
      last = at
    }
    expect(retransmitted).toBeGreaterThan(0)
  })

  it('closes a transport on partition and refuses stale epochs', () => {
    const net = new SimNetwork({ links, defaultDelayMs: 10, jitterMs: 0, random: seededRandom(3), zeroDelay: true })
    const epoch = net.open('a', 'b')
    expect(net.isCurrent('b', 'a', epoch)).toBe(true)
    expect(net.partition('a', 'b')).toBe(true)
    expect(net.isCurrent('a', 'b', epoch)).toBe(false)
    expect(net.isPartitioned('b', 'a')).toBe(true)
    net.heal('a', 'b')
    expect(net.isPartitioned('a', 'b')).toBe(false)
    expect(net.deliveryMs('a', 'b', 42)).toBe(42)
  })
})

describe('sim keys', () => {
  it('verify what was signed, reject other data or another origin', () => {
    const v = simVerifier()
    const data = new Uint8Array([1, 2, 3])
    const sig = simSigner('acme').sign(data)
    expect(sig).toHaveLength(64)
    expect(v.verify('acme', data, sig)).toBe(true)
    expect(v.verify('acme', data, sig)).toBe(true) // cached
    expect(v.verify('globex', data, sig)).toBe(false)
    expect(v.verify('acme', new Uint8Array([1, 2, 4]), sig)).toBe(false)
  })
})

describe('simulator with a stand-in speaker', () => {
  it('converges through crash and restart, and every node holds every path', () => {
    const r = run()
    const cmd = `atp sim <stand-in TOPOLOGY> --seed ${r.report.seed} --mode timed`
    expect(r.report.converged, cmd).toBe(true)
    expect(r.report.oscillating, cmd).toBe(false)
    expect(r.violations, cmd).toEqual([])
    expect(r.report.convergenceMs, cmd).toBeGreaterThan(30_000)
    for (const node of ['acme', 'globex', 'rr1', 'rr2']) {
      expect(r.report.final[node]?.['code-review/python'], `${node}: ${cmd}`).toEqual(['globex/rev', 'acme/rev'])
    }
  })

  it('gives byte-identical reports for one seed, and seeds matter to timing', () => {
    const a = encodeReport(run(11).report)
    expect(encodeReport(run(11).report)).toBe(a)
    expect(a).not.toContain('"date')
    expect(run(12).report.convergenceMs).not.toBe(run(11).report.convergenceMs)
  })

  it('FIFO mode converges to the same final state', () => {
    const timed = run(5)
    const fifo = run(5, 'fifo')
    expect(fifo.report.converged).toBe(true)
    expect(fifo.report.final).toEqual(timed.report.final)
    expect(fifo.report.stateHash).toBe(timed.report.stateHash)
  })
})
