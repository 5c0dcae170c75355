// Fuzzing the operator's own input, the config file: whatever the text, the config
// loader answers a config or a ConfigError naming a field (never another exception).
// Arbitrary text gets FUZZ_DECODER_RUNS inputs (a million in `npm run fuzz`); valid
// configs with fields replaced by anything get FUZZ_RUNS (~1.7 ms of CPU each: YAML
// stringify and parse).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError, parseConfig } from '../../../daemon/config/index.ts'
import { agentFields } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
/** Arbitrary text at the config parser: `npm run fuzz` gives it a million inputs. */
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

const junk = fc.anything({ maxDepth: 3, withBigInt: false, withNullPrototype: false })
const base = { org: 'acme', role: 'peer', dataDir: 'd', agents: [{ id: 'a1', ...agentFields() }], api: { token: null } }
const keys = ['org', 'role', 'dataDir', 'listen', 'api', 'cluster', 'neighbors', 'interests', 'agents', 'damping', 'freshness', 'mraiMs', 'holdTimeS', 'policy', 'discovery', 'memory', 'limits', 'log', 'audit']

/** A valid config with a few fields (top-level or inside the first agent) replaced by junk. */
const config = fc.record({
  top: fc.dictionary(fc.constantFrom(...keys), junk, { maxKeys: 3 }),
  agent: fc.dictionary(fc.constantFrom('id', 'capability', 'endpoint', 'costUsd', 'latencyMs', 'winRate', 'region', 'tags', 'extra'), junk, { maxKeys: 2 }),
  token: fc.option(fc.string({ unit: 'binary', minLength: 10, maxLength: 40 }), { nil: undefined })
}).map(({ top, agent, token }) => ({
  ...base,
  ...(token !== undefined ? { api: { token } } : {}),
  agents: [{ ...base.agents[0], ...agent }],
  ...top
}))

function onlyConfigErrors (text: string): void {
  try {
    parseConfig(text, 'fuzz.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(/^config error: /)
  }
}

describe('config: any text → a config or a ConfigError', () => {
  it('valid configs with fields replaced by anything', () => {
    fc.assert(fc.property(config, (c) => {
      let text: string
      try { text = stringify(c) } catch { return }
      onlyConfigErrors(text)
    }), { numRuns })
  })
  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => { onlyConfigErrors(text) }), { numRuns: decoderRuns })
  })
})
