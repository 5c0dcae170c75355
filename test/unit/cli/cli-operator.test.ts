/**
 * Operator commands of `atp` against a real HTTP server over a fake daemon:
 * capabilities, version, audit show, completion, scheme-less --api, config-key hints.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { summarizeCapabilities } from '../../../cli/commands/capabilities/index.ts'
import { completionTable } from '../../../cli/commands/completion/index.ts'
import { buildProgram } from '../../../cli/program.ts'
import { closest, editDistance } from '../../../daemon/config/did-you-mean.ts'
import { parseConfig } from '../../../daemon/config/load.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { toRouteJson } from '../../../daemon/api/views.ts'
import { runAtp } from '../../helpers/cli-io.ts'
import { createFakeFacade, fakeRouteView } from '../../helpers/fake-daemon-facade.ts'

describe('atp operator commands', () => {
  let app: FastifyInstance
  let hostPort: string

  beforeAll(async () => {
    app = await createApiServer({ facade: createFakeFacade() })
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    hostPort = new URL(url).host
  })
  afterAll(async () => { await app.close() })

  it('an --api address without a scheme is http; a bad one is a usage error', async () => {
    const r = await runAtp(['--api', hostPort, 'peers'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('reflector')
    const bad = await runAtp(['--api', 'http://[nope', 'peers'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^atp: --api 'http:\/\/\[nope' is not an address/)
    expect(bad.stderr).not.toContain('    at ')
  })

  it('capabilities: one line per capability with path counts', async () => {
    const r = await runAtp(['--api', hostPort, 'capabilities'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/code-review\/python\s+2\s+2\s+0\s+0\.4\s+acme,globex/)
    expect(r.stdout).toMatch(/summarize\s+1\s+1\s+0\s+0\.4\s+initech/)
    const caps = summarizeCapabilities([toRouteJson(fakeRouteView({ capability: 'x' })), { ...toRouteJson(fakeRouteView({ capability: 'x', org: 'b' })), usable: false, state: 'suppressed' }])
    expect(caps).toEqual([{ capability: 'x', paths: 2, usable: 1, suppressed: 1, orgs: ['acme', 'b'], minCostUsd: 0.4 }])
  })

  it('version: the CLI version and the daemon version', async () => {
    const r = await runAtp(['--api', hostPort, 'version'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^atp \d+\.\d+\.\d+\natpd \d+\.\d+\.\d+ \(org acme\)/)
    const v = await runAtp(['--version'])
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })

  it('completion: bash script lists every command and subcommand', async () => {
    const table = completionTable(buildProgram())
    expect(table.get('')).toEqual(expect.arrayContaining(['resolve', 'capabilities', 'mem', 'audit', '--api']))
    expect(table.get('mem')).toEqual(expect.arrayContaining(['namespaces', 'put', 'get']))
    expect(table.get('audit')).toEqual(expect.arrayContaining(['show', 'verify']))
    const bash = await runAtp(['completion', 'bash'])
    expect(bash.stdout).toContain('complete -o default -F _atp_complete atp')
    expect((await runAtp(['completion', 'zsh'])).stdout).toMatch(/^#compdef atp\n/)
    expect((await runAtp(['completion', 'fish'])).code).toBe(2)
  })

  it('init writes the key and a commented config atpd accepts, prints the peer id, never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-init-'))
    const out = join(dir, 'site.yaml')
    const r = await runAtp(['init', '--org', 'acme', '--role', 'reflector', '--data-dir', join(dir, 'data'), '--out', out])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^12D3KooW\w+\n$/)
    const config = parseConfig(readFileSync(out, 'utf8'), out)
    expect(config).toMatchObject({ org: 'acme', role: 'reflector', cluster: 'acme-rr', dataDir: join(dir, 'data') })
    const again = await runAtp(['init', '--org', 'acme', '--data-dir', join(dir, 'data'), '--out', out])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('exists; not overwritten')
    expect((await runAtp(['init', '--org', 'Acme!', '--out', join(dir, 'b.yaml')])).code).toBe(2)
  })

  it('config keys: an unknown key names the closest known one', () => {
    expect(editDistance('dampng', 'damping')).toBe(1)
    expect(editDistance('lsiten', 'listen')).toBe(1)
    expect(closest('interest', ['interests', 'agents'])).toBe('interests')
    expect(closest('zzz', ['interests', 'agents'])).toBeUndefined()
    expect(() => parseConfig('org: a\nrole: peer\ndataDir: /d\napi: { lisen: "127.0.0.1:1" }\nintrests: []\n', 'site.yaml'))
      .toThrow(/api\.lisen: unknown key \(did you mean 'listen'\?\)[\s\S]*intrests: unknown key \(did you mean 'interests'\?\)/)
  })
})
