// `atpd --config FILE` refuses bad input before it opens anything: a clear message on
// stderr and a non-zero exit code (2 for usage and config errors).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadOrCreateIdentity } from '../../daemon/identity/identity.ts'
import { runAtpd } from '../../daemon/launcher/atpd-process.ts'

const root = mkdtempSync(join(tmpdir(), 'atpd-cfg-'))
afterAll(() => { rmSync(root, { recursive: true, force: true }) })

function writeConfig (name: string, text: string): string {
  const path = join(root, name)
  writeFileSync(path, text)
  return path
}

describe('atpd startup errors', () => {
  it('names the bad field and the reason, and exits 2', async () => {
    const path = writeConfig('bad.yaml', [
      'org: Not_An_Org',
      'role: peer',
      `dataDir: ${join(root, 'bad')}`,
      'neighbors:',
      '  - { peer: "12D3KooWnope", addrs: [], org: rr, role: reflector }',
      'holdTimeS: 1'
    ].join('\n'))
    const { code, output } = await runAtpd(['--config', path])
    expect(code).toBe(2)
    expect(output).toMatch(/config error: org: not an org name/)
    expect(output).toMatch(/neighbors\[0\]\.peer: not a peer id/)
    expect(output).toMatch(/holdTimeS: must be 0 .* or at least 3/)
  })

  it('rejects a missing file, invalid YAML and a missing --config with exit 2', async () => {
    const [missing, yaml, usage] = await Promise.all([
      runAtpd(['--config', join(root, 'nope.yaml')]),
      runAtpd(['--config', writeConfig('broken.yaml', 'org: [unclosed\n')]),
      runAtpd([])
    ])
    expect(missing.code).toBe(2)
    expect(missing.output).toMatch(/cannot read .*nope\.yaml/)
    expect(yaml.code).toBe(2)
    expect(yaml.output).toMatch(/invalid YAML/)
    expect(usage.code).toBe(2)
    expect(usage.output).toMatch(/--config is required/)
  })

  it('refuses an identity key readable by others (exit 1, says how to fix it)', async () => {
    const dataDir = join(root, 'loose')
    const { path: keyPath } = await loadOrCreateIdentity(dataDir)
    chmodSync(keyPath, 0o644)
    const path = writeConfig('loose.yaml', `org: loose\nrole: peer\ndataDir: ${dataDir}\nlisten: ["/ip4/127.0.0.1/tcp/0"]\napi: { listen: "127.0.0.1:0" }\n`)
    const { code, output } = await runAtpd(['--config', path])
    expect(code).toBe(1)
    expect(output).toMatch(/identity file mode is 644, must be 600/)
  }, 180_000) // a whole daemon's modules load before the key is read: over 60 s at load ~37
})
