import { describe, expect, it } from 'vitest'
import { validatePolicy } from '../../../agp/policy/policy.ts'
import { EMPTY_POLICY } from '../../../agp/policy/types.ts'

describe('validatePolicy', () => {
  it('accepts an empty and a typical policy', () => {
    expect(validatePolicy(EMPTY_POLICY)).toEqual([])
    expect(validatePolicy({
      import: [{ name: 'prefer-acme', originOrg: ['acme'], action: 'accept', localPref: 200, addTags: ['from-acme'] }],
      export: [{ capability: 'code-review', learnedFromRole: ['partner'], neighborRole: ['partner'], action: 'accept' }]
    })).toEqual([])
  })

  it('names the rule index and field of each problem', () => {
    const errors = validatePolicy({
      import: [
        { action: 'accept' },
        { capability: 'Code Review', action: 'accept' },
        { action: 'allow' },
        { action: 'accept', localPref: -1 },
        { action: 'accept', localPref: 2 ** 32 }
      ],
      export: [{ action: 'accept', localPref: 1.5 }]
    })
    expect(errors).toEqual([
      expect.stringMatching(/^import\[1\]\.capability: bad capability/),
      expect.stringMatching(/^import\[2\]\.action: unknown action "allow"/),
      expect.stringMatching(/^import\[3\]\.localPref: must be an integer in 0\.\.4294967295/),
      expect.stringMatching(/^import\[4\]\.localPref/),
      expect.stringMatching(/^export\[0\]\.localPref/)
    ])
  })

  it('accepts localPref at both ends of 0..2^32-1', () => {
    expect(validatePolicy({ import: [{ action: 'accept', localPref: 0 }, { action: 'accept', localPref: 2 ** 32 - 1 }], export: [] })).toEqual([])
  })

  it('rejects unknown roles, unknown fields, empty any-of lists, bad tags and export-only fields on import', () => {
    const errors = validatePolicy({
      import: [
        { action: 'accept', neighborRole: ['customer'] },
        { action: 'accept', capabilty: 'x' },
        { action: 'accept', originOrg: [] },
        { action: 'accept', addTags: ['Bad Tag'] },
        { action: 'accept', learnedFromRole: ['partner'] }
      ],
      export: [{ action: 'reject', addTags: ['x'] }]
    })
    expect(errors).toEqual([
      expect.stringMatching(/^import\[0\]\.neighborRole: unknown role "customer"/),
      expect.stringMatching(/^import\[1\]\.capabilty: unknown field/),
      expect.stringMatching(/^import\[2\]\.originOrg: an empty list matches nothing/),
      expect.stringMatching(/^import\[3\]\.addTags: bad tag "Bad Tag"/),
      expect.stringMatching(/^import\[4\]\.learnedFromRole: export only/),
      expect.stringMatching(/^export\[0\]\.addTags: has no effect with action reject/)
    ])
  })

  it('never throws on garbage', () => {
    for (const bad of [null, 3, 'x', [], { import: 'x' }, { import: [null, 5] }, { other: [] }]) {
      expect(validatePolicy(bad).length).toBeGreaterThan(0)
    }
  })
})
