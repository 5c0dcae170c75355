import { describe, expect, it } from 'vitest'
import { evaluateImport, type ImportContext } from '../../../agp/policy/policy.ts'
import type { PolicyConfig, PolicyRule } from '../../../agp/policy/types.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const FROM_PARTNER: ImportContext = { neighborRole: 'partner', neighborOrg: 'beta' }
const route = makeRoute(
  { capability: 'code-review/python', originOrg: 'acme', region: 'eu', tags: ['gpu'] },
  { orgPath: ['beta', 'acme'], pathTags: ['tier:gold'] }
)

function imp (rules: PolicyRule[], ctx: ImportContext = FROM_PARTNER, r = route): ReturnType<typeof evaluateImport> {
  const policy: PolicyConfig = { import: rules, export: [] }
  return evaluateImport(policy, r, ctx)
}

/** Does a single reject rule with this match reject the route? */
function matches (match: Omit<PolicyRule, 'action'>, ctx?: ImportContext): boolean {
  return !imp([{ ...match, action: 'reject' }], ctx).accept
}

describe('import policy: defaults and order', () => {
  it('accepts with local preference 100 when no rule matches', () => {
    const r = imp([])
    expect(r).toMatchObject({ accept: true, localPref: 100, reason: 'default-accept' })
    expect(r.rule).toBeUndefined()
    expect(r.route).toBe(route)
  })

  it('the first matching rule decides, later rules are not consulted', () => {
    const r = imp([
      { capability: 'summarize', action: 'reject' },
      { capability: 'code-review', action: 'accept', localPref: 200 },
      { action: 'reject', name: 'catch-all' }
    ])
    expect(r).toMatchObject({ accept: true, localPref: 200, rule: 'import[1]', reason: 'rule-accept' })
    const r2 = imp([{ action: 'reject', name: 'catch-all' }, { action: 'accept', localPref: 300 }])
    expect(r2).toMatchObject({ accept: false, rule: 'catch-all', reason: 'rule-reject' })
  })

  it('an accept rule without localPref gives 100', () => {
    expect(imp([{ action: 'accept' }]).localPref).toBe(100)
  })
})

describe('import policy: match fields', () => {
  it('capability is a segment-wise prefix', () => {
    expect(matches({ capability: 'code-review' })).toBe(true)
    expect(matches({ capability: 'code-review/python' })).toBe(true)
    expect(matches({ capability: 'code-review/python/security' })).toBe(false)
    expect(matches({ capability: 'code-rev' })).toBe(false)
    expect(matches({ capability: 'summarize' })).toBe(false)
  })

  it('originOrg, region, neighborOrg are any-of', () => {
    expect(matches({ originOrg: ['x', 'acme'] })).toBe(true)
    expect(matches({ originOrg: ['beta'] })).toBe(false)
    expect(matches({ region: ['us', 'eu'] })).toBe(true)
    expect(matches({ region: ['us'] })).toBe(false)
    expect(matches({ neighborOrg: ['beta'] })).toBe(true)
    expect(matches({ neighborOrg: ['acme'] })).toBe(false)
  })

  it('orgPathContains matches any org anywhere on the org path', () => {
    expect(matches({ orgPathContains: ['beta'] })).toBe(true)
    expect(matches({ orgPathContains: ['zeta', 'acme'] })).toBe(true)
    expect(matches({ orgPathContains: ['zeta'] })).toBe(false)
  })

  it('neighborRole is any-of on the sending neighbor', () => {
    expect(matches({ neighborRole: ['partner'] })).toBe(true)
    expect(matches({ neighborRole: ['client', 'reflector'] })).toBe(false)
    expect(matches({ neighborRole: ['client'] }, { neighborRole: 'client', neighborOrg: 'acme' })).toBe(true)
  })

  it('tags are all-of on the effective tags (origin and path tags)', () => {
    expect(matches({ tags: ['gpu'] })).toBe(true)
    expect(matches({ tags: ['tier:gold'] })).toBe(true)
    expect(matches({ tags: ['gpu', 'tier:gold'] })).toBe(true)
    expect(matches({ tags: ['gpu', 'cpu'] })).toBe(false)
  })

  it('all present fields must hold together', () => {
    expect(matches({ capability: 'code-review', region: ['eu'], originOrg: ['acme'] })).toBe(true)
    expect(matches({ capability: 'code-review', region: ['us'], originOrg: ['acme'] })).toBe(false)
  })
})

describe('import policy: tag edits', () => {
  it('adds and removes path tags on accept; origin tags cannot be removed', () => {
    const r = imp([{ action: 'accept', addTags: ['seen-beta', 'tier:gold'], removeTags: ['tier:gold', 'gpu'] }])
    expect(r.route.pathTags).toEqual(['seen-beta', 'tier:gold']) // removed, then added back: add wins
    expect(r.route.attrs.tags).toEqual(['gpu']) // signed origin tag stays
    expect(route.pathTags).toEqual(['tier:gold']) // input untouched
  })

  it('removes a path tag and leaves the route object alone when nothing changes', () => {
    expect(imp([{ action: 'accept', removeTags: ['tier:gold'] }]).route.pathTags).toEqual([])
    expect(imp([{ action: 'accept', addTags: ['tier:gold'] }]).route).toBe(route)
  })

  it('does not edit tags of a rejected route', () => {
    expect(imp([{ action: 'reject' }]).route).toBe(route)
  })
})
