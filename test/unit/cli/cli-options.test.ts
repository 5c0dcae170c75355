import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiUrlFromListen } from '../../../daemon/config/api-url.ts'
import { resolveApi } from '../../../cli/context.ts'
import { runCli } from '../../../cli/program.ts'
import { formatTable } from '../../../cli/table.ts'
import { readTemplates, renderSites } from '../../../daemon/launcher/templates.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { captureIo } from '../../helpers/cli-io.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'

const TOKEN = 'cli-test-token-0123456789'

/** A port nothing listens on: bind, read the port, close. */
async function closedPort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((resolve) => srv.close(() => { resolve() }))
  return port
}

describe('atp global options and errors', () => {
  let app: FastifyInstance
  let api: string
  let port: number
  const dir = mkdtempSync(join(tmpdir(), 'atp-cli-'))

  beforeAll(async () => {
    app = await createApiServer({ facade: createFakeFacade(), token: TOKEN })
    api = await app.listen({ host: '127.0.0.1', port: 0 })
    port = Number(new URL(api).port)
  })
  afterAll(async () => { await app.close() })

  it('connection refused: exit 3 and a message that says what to do', async () => {
    const io = captureIo()
    const dead = `http://127.0.0.1:${await closedPort()}`
    expect(await runCli(['--api', dead, 'peers'], io)).toBe(3)
    expect(io.stderr).toBe(`atp: cannot reach atpd at ${dead} (connection refused). Is atpd running? Point the CLI at it with --api URL, --config FILE or ATP_API.\n`)
  })

  it('401 without a token (with a hint), 200 with --token or ATP_TOKEN', async () => {
    const io = captureIo()
    expect(await runCli(['--api', api, 'peers'], io)).toBe(1)
    expect(io.stderr).toContain('atpd answered 401 Unauthorized: missing bearer token')
    expect(io.stderr).toContain('(pass --token or set ATP_TOKEN)')
    expect(await runCli(['--api', api, '--token', TOKEN, 'peers'], captureIo())).toBe(0)
    expect(await runCli(['--api', api, 'peers'], captureIo({ ATP_TOKEN: TOKEN }))).toBe(0)
  })

  it('ATP_API is used when neither --api nor --config is given', async () => {
    const io = captureIo({ ATP_API: api, ATP_TOKEN: TOKEN })
    expect(await runCli(['--json', 'peers'], io)).toBe(0)
    expect(JSON.parse(io.stdout).peers[0].org).toBe('rr')
  })

  it('--config takes the API address and token from the site config', async () => {
    const cfg = join(dir, 'site.yaml')
    writeFileSync(cfg, `org: acme\nrole: peer\ndataDir: ./data\napi: { listen: "127.0.0.1:${port}", token: ${TOKEN} }\n`)
    const io = captureIo({ ATP_API: 'http://127.0.0.1:1' })
    expect(await runCli(['--config', cfg, 'peers'], io)).toBe(0)
    expect(io.stdout).toContain('established')
  })

  it('a bad --config is reported with the config error', async () => {
    const cfg = join(dir, 'bad.yaml')
    writeFileSync(cfg, 'org: ACME\nrole: peer\ndataDir: d\n')
    const io = captureIo()
    expect(await runCli(['--config', cfg, 'peers'], io)).toBe(1)
    expect(io.stderr).toBe('atp: config error: org: not an org name ([a-z0-9-]{1,32})\n')
  })

  it('resolveApi precedence and defaults; wildcard listen addresses map to loopback', async () => {
    await expect(resolveApi({}, {})).resolves.toEqual({ url: 'http://127.0.0.1:7101' })
    await expect(resolveApi({ api: 'http://x:1' }, { ATP_API: 'http://y:2', ATP_TOKEN: 't' })).resolves.toEqual({ url: 'http://x:1', token: 't' })
    expect(apiUrlFromListen('0.0.0.0:7101')).toBe('http://127.0.0.1:7101')
    expect(apiUrlFromListen('[::]:7101')).toBe('http://[::1]:7101')
    await expect(resolveApi({ api: '127.0.0.1:7103' }, {})).resolves.toEqual({ url: 'http://127.0.0.1:7103' })
    await expect(resolveApi({}, { ATP_API: 'localhost:7101/' })).resolves.toEqual({ url: 'http://localhost:7101' })
    await expect(resolveApi({ api: 'ftp://x:1' }, {})).rejects.toThrow(/only http/)
  })

  it('unknown commands and options are usage errors; --help exits 0', async () => {
    const unknown = captureIo()
    expect(await runCli(['frobnicate'], unknown)).toBe(2)
    expect(unknown.stderr).toContain("unknown command 'frobnicate'")
    const help = captureIo()
    expect(await runCli(['resolve', '--help'], help)).toBe(0)
    expect(help.stdout).toContain('--max-latency <ms>')
  })

  it('keygen creates the key once and prints the same peer id after', async () => {
    const dataDir = join(dir, 'keys')
    const first = captureIo()
    expect(await runCli(['keygen', '--data-dir', dataDir], first)).toBe(0)
    expect(first.stdout).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\n$/)
    expect(first.stderr).toContain('created identity')
    const second = captureIo()
    expect(await runCli(['--json', 'keygen', '--data-dir', dataDir], second)).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ peerId: first.stdout.trim(), created: false })
  })

  it('audit verify: a missing log exits 1; an empty log verifies; a corrupt one exits 1', async () => {
    const dataDir = join(dir, 'audit')
    mkdirSync(dataDir)
    const missing = captureIo()
    expect(await runCli(['audit', 'verify', '--data-dir', dataDir], missing)).toBe(1)
    expect(missing.stderr).toContain('audit log is missing')
    writeFileSync(join(dataDir, 'audit.log'), '')
    const ok = captureIo()
    expect(await runCli(['audit', 'verify', '--data-dir', dataDir], ok)).toBe(0)
    expect(ok.stdout).toMatch(/^ok: 0 records/)
    appendFileSync(join(dataDir, 'audit.log'), '{"seq":1,"broken\n')
    const bad = captureIo()
    expect(await runCli(['audit', 'verify', '--data-dir', dataDir], bad)).toBe(1)
    expect(bad.stderr).toContain('audit log broken at record 1')
  })
})

describe('table formatting', () => {
  it('aligns text left and numbers right, with no trailing spaces', () => {
    const out = formatTable([{ a: 'x', n: 5 }, { a: 'longer', n: 12.34567 }], [
      { header: 'NAME', value: (r) => r.a },
      { header: 'N', value: (r) => r.n }
    ])
    expect(out).toBe('NAME          N\nx             5\nlonger  12.3457\n')
  })

  it('prints only the header for no rows and - for missing values', () => {
    expect(formatTable([], [{ header: 'A', value: () => 1 }])).toBe('A\n')
    expect(formatTable([{}], [{ header: 'A', value: () => null }, { header: 'B', value: () => 'b' }])).toBe('A  B\n-  b\n')
  })
})

describe('federation templates', () => {
  it('renders {{site}} placeholders with generated peer ids and pins dataDir', async () => {
    const root = mkdtempSync(join(tmpdir(), 'atp-fed-'))
    const tpl = join(root, 'tpl')
    mkdirSync(tpl)
    writeFileSync(join(tpl, 'rr1.yaml'), 'org: ops\nrole: reflector\ncluster: c1\ndataDir: ../state/rr1\nneighbors:\n  - { peer: "{{acme}}", org: acme, role: client }\n')
    writeFileSync(join(tpl, 'acme.yaml'), 'org: acme\nrole: peer\ndataDir: ../state/acme\nneighbors:\n  - { peer: "{{rr1}}", addrs: ["/ip4/127.0.0.1/tcp/4100"], org: ops, role: reflector }\n')
    const sites = await renderSites(readTemplates(tpl))
    const acme = sites.find((s) => s.site === 'acme')
    const rr1 = sites.find((s) => s.site === 'rr1')
    expect(acme?.config.neighbors[0]?.peer).toBe(rr1?.peerId)
    expect(rr1?.config.neighbors[0]?.peer).toBe(acme?.peerId)
    expect(acme?.config.dataDir).toBe(join(root, 'state', 'acme'))
    expect(readFileSync(join(root, 'state', 'acme', 'identity.key')).length).toBeGreaterThan(0)
    const again = await renderSites(readTemplates(tpl))
    expect(again.map((s) => s.peerId)).toEqual(sites.map((s) => s.peerId))
  })

  it('a placeholder naming no site is a clear error', async () => {
    const tpl = mkdtempSync(join(tmpdir(), 'atp-fed-'))
    writeFileSync(join(tpl, 'a.yaml'), 'org: a\nrole: peer\ndataDir: ./a\nneighbors: [{ peer: "{{nobody}}", org: b, role: partner }]\n')
    await expect(renderSites(readTemplates(tpl))).rejects.toThrow('{{nobody}} names no site template')
  })
})
