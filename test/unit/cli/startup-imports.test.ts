import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The npm packages a CLI entry loads before it exits, as the import-trace hook sees them. */
function packagesLoaded (entry: string, args: readonly string[]): Set<string> {
  const res = spawnSync(process.execPath, ['--import', './test/helpers/import-trace.mjs', '--import', 'tsx', entry, ...args], { encoding: 'utf8', timeout: 30_000 })
  expect(res.status).toBe(0)
  const packages = res.stderr.split('\n').filter((l) => l.startsWith('IMPORT ')).map((l) => l.slice('IMPORT '.length))
  return new Set(packages.map((spec) => spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] ?? spec))
}

// Start-up time is a benchmark (bench/cli-startup.bench.ts); what is checked here is its cause:
// the help paths load no schema library, logger, YAML parser, A2A SDK or libp2p.
/** The package's runtime dependencies: what an installed atpd could load (tsx's own imports are not among them). */
const RUNTIME = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }).dependencies)

describe('CLI start-up loads only what the command needs', () => {
  it('atpd --help and --version load none of the runtime dependencies', () => {
    for (const flag of ['--help', '--version']) {
      const loaded = packagesLoaded('cli/atpd.ts', [flag])
      expect(RUNTIME.filter((p) => loaded.has(p))).toEqual([])
    }
  })

  it('atp --help loads commander and no other runtime dependency', () => {
    const loaded = packagesLoaded('cli/atp.ts', ['--help'])
    expect(RUNTIME.filter((p) => loaded.has(p))).toEqual(['commander'])
  })
})
