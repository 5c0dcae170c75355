import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { pathKey, splitPathKey } from '../../../agp/route/route.ts'

const id = fc.stringMatching(/^[a-z0-9-]{1,32}$/)

describe('splitPathKey', () => {
  it('gives back the org and agent pathKey joined', () => {
    fc.assert(fc.property(id, id, (org, agent) => {
      expect(splitPathKey(pathKey(org, agent))).toEqual({ org, agent })
    }))
  })
})
