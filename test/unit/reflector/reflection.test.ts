import { describe, expect, it } from 'vitest'
import type { NeighborRole } from '../../../agp/codec/frame.ts'
import { EMPTY_POLICY } from '../../../agp/policy/types.ts'
import { reflectionLoop, reflectRoute } from '../../../reflector/cluster-list.ts'
import { exportRoute, type ExportNeighbor, type ExportSelf, type ExportSource } from '../../../reflector/export.ts'
import { InterestIndex, interestChangeScope } from '../../../reflector/interests.ts'
import { exportDefault, isReflection } from '../../../reflector/reflection.ts'
import type { Route } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const ROLES: NeighborRole[] = ['client', 'peer', 'reflector', 'partner']

describe('RFC 4456 §6 reflection rules', () => {
  it('a reflector reflects client routes to everyone and non-client routes to clients only', () => {
    for (const to of ROLES) {
      expect(exportDefault('reflector', 'client', to, false)).toBe('advertise')
      expect(exportDefault('reflector', 'local', to, false)).toBe('advertise')
      for (const from of ['peer', 'reflector'] as const) {
        expect(exportDefault('reflector', from, to, false)).toBe(to === 'client' ? 'advertise' : to === 'partner' ? 'builtin-no-partner-leak' : 'never')
      }
    }
  })

  it('a non-reflector advertises its own routes to all; learned ones never to a reflector', () => {
    for (const to of ROLES) {
      expect(exportDefault('peer', 'local', to, false)).toBe('advertise')
      expect(exportDefault('peer', 'reflector', to, false)).toBe(to === 'partner' ? 'builtin-no-partner-leak' : 'never')
    }
    expect(isReflection('peer', 'client')).toBe(false)
    expect(isReflection('reflector', 'local')).toBe(false)
    expect(isReflection('reflector', 'peer')).toBe(true)
  })
})

describe('ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8)', () => {
  it('sets the originator once and prepends the cluster id', () => {
    const once = reflectRoute(makeRoute(), { cluster: 'c1', learnedFrom: 'peer-acme' })
    expect(once.originatorId).toBe('peer-acme')
    expect(once.clusterList).toEqual(['c1'])
    const twice = reflectRoute(once, { cluster: 'c2', learnedFrom: 'rr1' })
    expect(twice.originatorId).toBe('peer-acme')
    expect(twice.clusterList).toEqual(['c2', 'c1'])
    expect(twice.signature).toBe(once.signature)
  })

  it('detects our cluster id and our originator id', () => {
    expect(reflectionLoop(makeRoute({}, { clusterList: ['c2', 'c1'] }), { peerId: 'x', cluster: 'c1' })).toBe('cluster-list-loop')
    expect(reflectionLoop(makeRoute({}, { originatorId: 'me' }), { peerId: 'me' })).toBe('originator-id-loop')
    expect(reflectionLoop(makeRoute({}, { clusterList: ['c1'] }), { peerId: 'x' })).toBeUndefined()
  })
})

describe('interests', () => {
  it('indexes neighbors by prefix; empty interests want everything', () => {
    const idx = new InterestIndex()
    idx.set('all', [])
    idx.set('cr', ['code-review'])
    idx.set('sum', ['summarize'])
    idx.set('py', ['code-review/python'])
    expect(idx.wanting('code-review/python/security')).toEqual(['all', 'cr', 'py'])
    expect(idx.wanting('code-reviewer')).toEqual(['all'])
    idx.set('cr', ['summarize'])
    expect(idx.wanting('summarize')).toEqual(['all', 'sum', 'cr'])
    idx.delete('all')
    expect(idx.wanting('code-review')).toEqual([])
    expect(interestChangeScope(['a'], ['b', 'a'])).toEqual(['a', 'b'])
    expect(interestChangeScope([], ['b'])).toBe('all')
  })
})

describe('export decision', () => {
  const rr: ExportSelf = { role: 'reflector', org: 'rr', site: 'rr', peerId: 'rr1', cluster: 'c1', policy: EMPTY_POLICY }
  const client = (peerId: string, org: string, interests: string[] = []): ExportNeighbor => ({ peerId, org, site: org, role: 'client', interests })
  const fromClient: ExportSource = { fromPeer: 'pa', fromRole: 'client', fromOrg: 'a', usable: true }

  it('reflects to other clients, rewriting originator and cluster list but not the org path', () => {
    const d = exportRoute(rr, client('pc', 'c'), makeRoute({ originOrg: 'a', originPeerId: 'pa' }), fromClient)
    expect(d.accept).toBe(true)
    if (d.accept) {
      expect(d.route.originatorId).toBe('pa')
      expect(d.route.clusterList).toEqual(['c1'])
      expect(d.route.orgPath).toEqual(['a'])
    }
  })

  it('one reflected object per route for every client; routes share the reflected cluster list; another cluster or neighbor reflects anew', () => {
    const r1 = makeRoute({ originOrg: 'a', originPeerId: 'pa', agentId: 'x1' })
    const r2 = makeRoute({ originOrg: 'a', originPeerId: 'pa', agentId: 'x2' })
    const sent = (self: ExportSelf, r: typeof r1, to: string, from = fromClient): Route => {
      const d = exportRoute(self, client(to, to), r, from)
      if (!d.accept) throw new Error(d.reason)
      return d.route
    }
    expect(sent(rr, r1, 'pc')).toBe(sent(rr, r1, 'pd'))
    expect(sent(rr, r2, 'pc').clusterList).toBe(sent(rr, r1, 'pc').clusterList)
    const other = sent({ ...rr, cluster: 'c2' }, r1, 'pc')
    expect(other.clusterList).toEqual(['c2'])
    expect(sent(rr, r1, 'pc').clusterList).toEqual(['c1'])
    const viaPeer = sent(rr, r1, 'pc', { ...fromClient, fromPeer: 'pb' })
    expect(viaPeer.originatorId).toBe('pb')
    expect(sent(rr, r1, 'pc').originatorId).toBe('pa')
  })

  it('refuses: back to sender, back to origin, unusable, uninterested, non-client to non-client', () => {
    const r = makeRoute({ originOrg: 'a', originPeerId: 'pa' })
    expect(exportRoute(rr, client('pa', 'a'), r, fromClient)).toEqual({ accept: false, reason: 'split-horizon' })
    expect(exportRoute(rr, client('pa2', 'a2'), r, { ...fromClient, fromPeer: 'rr2', fromRole: 'peer' }).accept).toBe(true)
    expect(exportRoute(rr, client('x', 'x'), r, { ...fromClient, usable: false })).toEqual({ accept: false, reason: 'not-usable' })
    expect(exportRoute(rr, client('x', 'x', ['summarize']), r, fromClient)).toEqual({ accept: false, reason: 'not-interested' })
    expect(exportRoute(rr, { peerId: 'rr2', org: 'rr', site: 'rr', role: 'peer', interests: [] }, r, { ...fromClient, fromPeer: 'rr3', fromRole: 'peer' }))
      .toEqual({ accept: false, reason: 'reflection-rule' })
    expect(exportRoute(rr, client('pa-other', 'x'), makeRoute({ originPeerId: 'pa-other' }), fromClient)).toEqual({ accept: false, reason: 'back-to-origin' })
  })

  it('applies policy built-ins: partner to partner needs a rule, no-export stops at the first hop', () => {
    const peer: ExportSelf = { role: 'peer', org: 'b', site: 'b', peerId: 'pb', policy: EMPTY_POLICY }
    const partnerC: ExportNeighbor = { peerId: 'pc', org: 'c', site: 'c', role: 'partner', interests: [] }
    const fromPartner: ExportSource = { fromPeer: 'pa', fromRole: 'partner', fromOrg: 'a', usable: true }
    const r = makeRoute({ originOrg: 'a', originPeerId: 'pa' })
    expect(exportRoute(peer, partnerC, r, fromPartner)).toEqual({ accept: false, reason: 'builtin-no-partner-leak' })
    const allow = { ...peer, policy: { import: [], export: [{ action: 'accept' as const, learnedFromRole: ['partner' as const] }] } }
    const d = exportRoute(allow, partnerC, r, fromPartner)
    expect(d.accept && d.route.orgPath).toEqual(['b', 'a'])
    const noExport = makeRoute({ originOrg: 'a', originPeerId: 'pa', tags: ['no-export'] })
    expect(exportRoute(rr, client('pc', 'c'), noExport, fromClient)).toEqual({ accept: false, reason: 'builtin-no-export' })
    expect(exportRoute(peer, partnerC, makeRoute({ originOrg: 'b', originPeerId: 'pb', tags: ['no-export'] }, { orgPath: ['b'] }),
      { fromPeer: '', fromRole: 'local', fromOrg: 'b', usable: true }).accept).toBe(true)
  })
})
