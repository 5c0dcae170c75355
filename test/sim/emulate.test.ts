/**
 * `atp sim --emulate`: a small topology as real atpd processes over libp2p on
 * 127.0.0.1, compared with the simulated `final`; and the refusals (exit 2) that need
 * no process at all.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runAtp, type AtpRun } from '../helpers/cli-io.ts'
import { runEmulation } from '../../simulations/emulate/emulator.ts'
import { EmulationFailedError } from '../../simulations/emulate/errors.ts'
import { parseTopology } from '../../simulations/topology/load.ts'

async function atp (...args: string[]): Promise<AtpRun> {
  return await runAtp(['sim', ...args])
}

interface EmulatedReport {
  final: Record<string, Record<string, string[]>>
  emulation: { nodes: number, agreed: boolean, differences: unknown[] }
}

describe('atp sim --emulate', () => {
  it('runs emulation.yaml (agent updates, withdraw/announce, reflector crash/restart) as real daemons: tables agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-emulate-test-'))
    const r = await atp('examples/topologies/emulation.yaml', '--emulate', '--json', '--out', dir)
    expect(r.code, `${r.stderr}\nreproduce with: atp sim examples/topologies/emulation.yaml --emulate`).toBe(0)
    const report = JSON.parse(r.stdout) as EmulatedReport
    expect(Object.keys(report).at(-1)).toBe('emulation')
    expect(report.emulation, JSON.stringify(report.emulation.differences, null, 2)).toEqual({ nodes: 5, agreed: true, differences: [] })
    // Not a vacuous agreement: the simulated tables are non-trivial at every node.
    expect(report.final.initech?.['code-review/python']).toEqual(['globex/rev2', 'acme/rev'])
    expect(report.final.rr1?.['code-review/python/security']).toEqual(['globex/lint'])
    expect(report.final.acme?.summarize).toBeUndefined()
    // report.json carries the same section; each daemon logged to DIR/emulation/<node>.log.
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(report)
    expect(readFileSync(join(dir, 'emulation', 'rr1.log'), 'utf8').length).toBeGreaterThan(0)
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(dir)
    rmSync(dir, { recursive: true, force: true })
  }, 150_000)

  it('refuses a topology of more than 20 nodes with a clear message (exit 2), before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-emulate-test-'))
    const f = join(dir, 'big.yaml')
    writeFileSync(f, 'orgs: []\ngenerate: { orgs: 30, reflectors: 2, agentsPerOrg: 1, capabilities: 3, interestsPerOrg: 0 }\n')
    const r = await atp(f, '--emulate')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('cannot emulate this topology')
    expect(r.stderr).toContain('it has 32 nodes; emulation runs at most 20 real atpd processes')
    expect(r.stdout).toBe('')
  })

  it('refuses partition/heal events, naming them (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-emulate-test-'))
    const f = join(dir, 'cut.yaml')
    writeFileSync(f, 'orgs: [{ id: a, partners: [b] }, { id: b }]\nevents: [{ atS: 5, type: partition, a: a, b: b }, { atS: 9, type: heal, a: a, b: b }]\n')
    const r = await atp(f, '--emulate', '--json')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('events[0] (partition at 5 s)')
    expect(r.stderr).toContain('events[1] (heal at 9 s)')
    expect(r.stdout).toBe('')
  })

  it('a daemon that does not come up in time fails the emulation with its log path, and every process is stopped', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'atp-emulate-test-'))
    const topology = parseTopology('orgs: [{ id: a, partners: [b] }, { id: b }]\n')
    const err = await runEmulation(topology, { stateDir, startTimeoutMs: 1 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EmulationFailedError)
    expect((err as Error).message).toMatch(/a daemon did not start: a: API http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.001 s; see .*\/a\.log/)
    expect(readFileSync(join(stateDir, 'a.yaml'), 'utf8')).toContain('"role": "peer"')
    // stopAll waited for every exit: no atpd of this state dir is left.
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(stateDir)
    rmSync(stateDir, { recursive: true, force: true })
  }, 60_000)
})
