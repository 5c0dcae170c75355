/**
 * The layer rule (.dependency-cruiser.cjs) must fail on what it forbids. Probe trees
 * laid out like the repository are cruised with the repository's own rule set: a clean
 * tree passes, and each probe (a cycle, an import up the layers, a deep import into a
 * core folder, the soak reaching for test helpers, the emulator reaching for the CLI)
 * is reported under its rule's name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { cruise, type IViolation } from 'dependency-cruiser'
import { afterEach, describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const config = require('../../../.dependency-cruiser.cjs') as { forbidden: unknown[] }

const BASE: Record<string, string> = {
  'kernel/index.ts': "export * from './errors.ts'\n",
  'kernel/errors.ts': 'export class AtpError extends Error {}\n',
  'agp/index.ts': "export * from './codec/frame.ts'\n",
  'agp/codec/frame.ts': "import { AtpError } from '../../kernel/index.ts'\nexport const frame = AtpError\n",
  'reflector/index.ts': "export * from './speaker.ts'\n",
  'reflector/speaker.ts': "import { frame } from '../agp/index.ts'\nexport const speaker = frame\n",
  'daemon/node.ts': "import { speaker } from '../reflector/index.ts'\nexport const node = speaker\n",
  'cli/atp.ts': "import { node } from '../daemon/node.ts'\nexport const atp = node\n",
  'test/helpers/fixtures.ts': "export const fixture = 1\n",
  'bench/soak/run.ts': "import { node } from '../../daemon/node.ts'\nexport const run = node\n",
  'simulations/emulate/emulator.ts': "import { node } from '../../daemon/node.ts'\nexport const emulator = node\n"
}

let root: string | undefined

async function violations (probe: Record<string, string>): Promise<string[]> {
  root = mkdtempSync(join(tmpdir(), 'atp-layers-'))
  for (const [path, text] of Object.entries({ ...BASE, ...probe })) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  const result = await cruise(['.'], {
    baseDir: root,
    ruleSet: { forbidden: config.forbidden } as never,
    validate: true,
    tsPreCompilationDeps: true
  }, { extensions: ['.ts'] })
  const output = result.output as { summary: { violations: IViolation[] } }
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort()
}

afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
  root = undefined
})

describe('layer rule', () => {
  it('passes a tree that keeps the layers', async () => {
    expect(await violations({})).toEqual([])
  })

  it('fails on an import cycle', async () => {
    const found = await violations({
      'agp/rib/a.ts': "import { b } from './b.ts'\nexport const a = b\n",
      'agp/rib/b.ts': "import type { a } from './a.ts'\nexport const b = 1\nexport type A = typeof a\n"
    })
    // One report per cycle, from whichever file the cruise reaches first.
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/^no-circular: agp\/rib\/[ab]\.ts → agp\/rib\/[ab]\.ts$/)
  })

  it('fails on an import up the layers, whatever the folder', async () => {
    expect(await violations({
      'agp/codec/frame.ts': "import { speaker } from '../../reflector/index.ts'\nexport const frame = speaker\n",
      'kernel/errors.ts': "import { node } from '../daemon/node.ts'\nexport class AtpError extends Error {}\nexport const n = node\n",
      // The shared node driver sits below both drivers: it may not reach into either.
      'driver/event-loop.ts': "import { node } from '../daemon/node.ts'\nexport const loop = node\n"
    })).toEqual(expect.arrayContaining([
      'layer-agp: agp/codec/frame.ts → reflector/index.ts',
      'layer-driver: driver/event-loop.ts → daemon/node.ts',
      'layer-kernel: kernel/errors.ts → daemon/node.ts'
    ]))
  })

  it('fails on a deep import into a core folder from outside it', async () => {
    expect(await violations({
      'daemon/node.ts': "import { frame } from '../agp/codec/frame.ts'\nexport const node = frame\n"
    })).toEqual(['public-index-agp: daemon/node.ts → agp/codec/frame.ts'])
  })

  it('fails when the soak imports test helpers or the emulator imports the CLI', async () => {
    expect(await violations({
      'bench/soak/run.ts': "import { fixture } from '../../test/helpers/fixtures.ts'\nexport const run = fixture\n",
      'simulations/emulate/emulator.ts': "import { atp } from '../../cli/atp.ts'\nexport const emulator = atp\n"
    })).toEqual([
      'layer-simulations: simulations/emulate/emulator.ts → cli/atp.ts',
      'soak-no-test-helpers: bench/soak/run.ts → test/helpers/fixtures.ts'
    ])
  })
})
