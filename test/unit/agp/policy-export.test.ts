import { describe, expect, it } from 'vitest'
import { evaluateExport, type ExportContext } from '../../../agp/policy/policy.ts'
import type { PolicyRule } from '../../../agp/policy/types.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const fromA = makeRoute({ originOrg: 'alpha' }, { orgPath: ['alpha'] })
// The caller (reflector/reflection.ts exportDefault) marks partner → partner as a leak by default.
const A_TO_B: ExportContext = { neighborRole: 'partner', neighborOrg: 'beta', learnedFromRole: 'partner', learnedFromOrg: 'alpha', leak: 'builtin-no-partner-leak' }
const NO_LEAK = { leak: undefined }

function exp (rules: PolicyRule[], ctx: ExportContext, r = fromA): ReturnType<typeof evaluateExport> {
  return evaluateExport({ import: [], export: rules }, r, ctx)
}

describe('export policy: no partner leaks (built-in)', () => {
  it('never sends a route learned from partner A to partner B by default', () => {
    expect(exp([], A_TO_B)).toMatchObject({ accept: false, reason: 'builtin-no-partner-leak' })
  })

  it('sends it when an explicit accept rule matches', () => {
    const r = exp([{ name: 'alpha-to-beta', learnedFromOrg: ['alpha'], neighborOrg: ['beta'], action: 'accept' }], A_TO_B)
    expect(r).toMatchObject({ accept: true, rule: 'alpha-to-beta', reason: 'rule-accept' })
  })

  it('a matching reject rule or a non-matching accept rule keeps it in', () => {
    expect(exp([{ learnedFromOrg: ['zeta'], action: 'accept' }], A_TO_B).reason).toBe('builtin-no-partner-leak')
    expect(exp([{ learnedFromRole: ['partner'], action: 'reject' }, { action: 'accept' }], A_TO_B).reason).toBe('rule-reject')
  })

  it('sends partner routes to clients, and local or client routes to partners, by default', () => {
    expect(exp([], { ...A_TO_B, ...NO_LEAK, neighborRole: 'client', neighborOrg: 'own' }).accept).toBe(true)
    expect(exp([], { ...A_TO_B, ...NO_LEAK, learnedFromRole: 'local', learnedFromOrg: 'own' }).accept).toBe(true)
    expect(exp([], { ...A_TO_B, ...NO_LEAK, learnedFromRole: 'client', learnedFromOrg: 'own' }).accept).toBe(true)
  })
})

describe('export policy: no-export stops at the first hop (built-in)', () => {
  const originTagged = makeRoute({ originOrg: 'own', tags: ['no-export'] }, { orgPath: ['own'] })
  const pathTagged = makeRoute({ originOrg: 'alpha' }, { orgPath: ['alpha'], pathTags: ['no-export'] })
  const toClient: ExportContext = { neighborRole: 'client', neighborOrg: 'gamma', learnedFromRole: 'client', learnedFromOrg: 'alpha' }

  it('the origin sends its own no-export route to its direct neighbors', () => {
    expect(exp([], { neighborRole: 'reflector', neighborOrg: 'rr', learnedFromRole: 'local', learnedFromOrg: 'own' }, originTagged).accept).toBe(true)
  })

  it('a node that learned it does not export it further, whatever the rules say', () => {
    expect(exp([], toClient, originTagged)).toMatchObject({ accept: false, reason: 'builtin-no-export' })
    expect(exp([{ action: 'accept', removeTags: ['no-export'] }], toClient, pathTagged)).toMatchObject({ accept: false, reason: 'builtin-no-export' })
  })
})

describe('export policy: federation-only never goes to a partner (built-in)', () => {
  const tagged = makeRoute({ originOrg: 'own', tags: ['federation-only'] }, { orgPath: ['own'] })
  const toPartner: ExportContext = { neighborRole: 'partner', neighborOrg: 'beta', learnedFromRole: 'local', learnedFromOrg: 'own' }

  it('not even from its origin, whatever the rules say', () => {
    expect(exp([], toPartner, tagged)).toMatchObject({ accept: false, reason: 'builtin-federation-only' })
    expect(exp([{ action: 'accept' }], toPartner, tagged)).toMatchObject({ accept: false, reason: 'builtin-federation-only' })
    const pathTagged = makeRoute({ originOrg: 'alpha' }, { orgPath: ['alpha'], pathTags: ['federation-only'] })
    expect(exp([], { ...toPartner, learnedFromRole: 'reflector', learnedFromOrg: 'rr' }, pathTagged).reason).toBe('builtin-federation-only')
  })

  it('goes to reflectors, clients and the other sites of the org', () => {
    for (const neighborRole of ['reflector', 'client', 'site'] as const) {
      expect(exp([], { ...toPartner, neighborRole, neighborOrg: 'rr' }, tagged).accept).toBe(true)
    }
  })
})

describe('export policy: no-export inside the org', () => {
  const tagged = makeRoute({ originOrg: 'alpha', tags: ['no-export'] }, { orgPath: ['alpha'] })

  it('a learned no-export route still reaches the other sites of the receiving org, and no further', () => {
    expect(exp([], { neighborRole: 'site', neighborOrg: 'own', learnedFromRole: 'reflector', learnedFromOrg: 'rr' }, tagged).accept).toBe(true)
    expect(exp([], { neighborRole: 'partner', neighborOrg: 'beta', learnedFromRole: 'site', learnedFromOrg: 'own' }, tagged).reason).toBe('builtin-no-export')
  })

  it("the origin org's other sites send its no-export route to their direct neighbors", () => {
    expect(exp([], { neighborRole: 'reflector', neighborOrg: 'rr', learnedFromRole: 'site', learnedFromOrg: 'alpha' }, tagged).accept).toBe(true)
  })
})

describe('export policy: rules', () => {
  const ctx: ExportContext = { neighborRole: 'client', neighborOrg: 'gamma', learnedFromRole: 'local', learnedFromOrg: 'own' }

  it('matches learnedFromRole and learnedFromOrg, first match wins, export[i] names unnamed rules', () => {
    const rules: PolicyRule[] = [{ learnedFromRole: ['partner'], action: 'reject' }, { learnedFromRole: ['local'], action: 'reject' }]
    expect(exp(rules, ctx)).toMatchObject({ accept: false, rule: 'export[1]' })
    expect(exp([{ learnedFromOrg: ['own'], action: 'reject' }], ctx).accept).toBe(false)
    expect(exp([{ learnedFromOrg: ['other'], action: 'reject' }], ctx).accept).toBe(true)
  })

  it('adds path tags on the way out, carries localPref 100', () => {
    const r = exp([{ neighborRole: ['client'], action: 'accept', addTags: ['via-rr1'] }], ctx)
    expect(r.route.pathTags).toEqual(['via-rr1'])
    expect(r.localPref).toBe(100)
  })
})
