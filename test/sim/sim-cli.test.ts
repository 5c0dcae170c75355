/** `atp sim` through the real program (cli/program.ts), in-process. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runAtp, type AtpRun } from '../helpers/cli-io.ts'

async function atp (...args: string[]): Promise<AtpRun> {
  return await runAtp(['sim', ...args])
}

describe('atp sim', () => {
  it('--json prints only the report; --out writes report.json and a self-contained report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-sim-'))
    const r = await atp('examples/topologies/flapping.yaml', '--json', '--seed', '11', '--out', dir)
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Record<string, unknown>
    expect(Object.keys(report)).toEqual(['seed', 'converged', 'oscillating', 'convergenceMs', 'endMs', 'messages', 'bestPathChanges', 'damping', 'final', 'stateHash'])
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe(r.stdout)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(html).toContain('<svg')
    expect(html).toContain('Penalty curves')
    expect(html).not.toMatch(/<script|src="http|href="http/)
    expect(html).not.toMatch(/<svg[^>]* width="\d+"/)
    const penalty = html.slice(html.indexOf('Penalty curves'), html.indexOf('</svg>', html.indexOf('Penalty curves')))
    const lines = [...penalty.matchAll(/<line class="threshold"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1])
    expect(lines).toEqual(['suppress: 2000', 'reuse: 750'])
  })

  it('exits 2 with a clear message on invalid input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-sim-'))
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'orgs: [{ id: acme }]\nevents: [{ atS: 1, type: crash, node: rr9 }]\n')
    const r = await atp(bad)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('events[0].node: unknown node "rr9"')
    expect((await atp('examples/topologies/partners.yaml', '--mode', 'async')).stderr).toContain('--mode must be timed or fifo')
    expect((await atp('examples/topologies/partners.yaml', '--seed', '-1')).code).toBe(2)
    expect((await atp(join(dir, 'missing.yaml'))).stderr).toContain('cannot read')
  })

  it('prints the reproduce command when a checker fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-sim-'))
    const f = join(dir, 'short.yaml')
    // The run ends 100 ms after a withdrawal: not converged (quiet window not reached).
    writeFileSync(f, `durationS: 30.1
orgs:
  - { id: a, partners: [b], agents: [{ id: x, capability: summarize, costUsd: 0.1, latencyMs: { p50: 1, p95: 2 }, winRate: { wins: 1, trials: 2 } }] }
  - { id: b }
events: [{ atS: 30, type: withdraw, org: a, agent: x }]
`)
    const r = await atp(f, '--seed', '3', '--mode', 'timed')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('NOT converged')
    expect(r.stderr).toContain(`atp sim ${f} --seed 3 --mode timed`)
  })
})
