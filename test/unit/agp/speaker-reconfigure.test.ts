import { describe, expect, it } from 'vitest'
import { DEFAULT_DAMPING } from '../../../agp/params.ts'
import { EMPTY_POLICY, type PolicyConfig } from '../../../agp/policy/types.ts'
import { agent, capabilitiesAt, reflectorWithTwoClients, type SpeakerHarness } from '../../helpers/speaker-harness.ts'

function federation (): SpeakerHarness {
  const h = reflectorWithTwoClients()
  h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
  h.input('pa', { type: 'agent-upsert', agent: agent('tr', 'translate') })
  h.runFor(100)
  return h
}

function reconfigure (h: SpeakerHarness, node: string, policy: PolicyConfig): void {
  h.input(node, { type: 'reconfigure', policy, damping: DEFAULT_DAMPING })
  h.runFor(100)
}

describe('speaker: reconfigure (live policy change)', () => {
  it('a new export policy withdraws what it no longer exports and announces it again once allowed', () => {
    const h = federation()
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review', 'translate'])
    reconfigure(h, 'pa', { import: [], export: [{ capability: 'translate', action: 'reject' }, { action: 'accept' }] })
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review'])
    expect(h.node('pa').peers()[0]?.state).toBe('established')
    reconfigure(h, 'pa', EMPTY_POLICY)
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review', 'translate'])
  })

  it('a new import policy is applied to the routes already held, without a new UPDATE', () => {
    const h = federation()
    const sent = h.node('rr1').counters().updatesOut
    reconfigure(h, 'pc', { import: [{ capability: 'code-review', action: 'reject' }, { action: 'accept' }], export: [] })
    expect(capabilitiesAt(h, 'pc')).toEqual(['translate'])
    reconfigure(h, 'pc', EMPTY_POLICY)
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review', 'translate'])
    expect(h.node('rr1').counters().updatesOut).toBe(sent)
  })

  it('the same policy again sends nothing', () => {
    const h = federation()
    const effects = h.input('pa', { type: 'reconfigure', policy: EMPTY_POLICY, damping: { ...DEFAULT_DAMPING, suppress: 5000 } })
    expect(effects.filter((e) => e.type === 'send')).toEqual([])
  })
})
