import { describe, expect, it } from 'vitest'
import { evidenceMeasuredAtMs, refreshCovers, refreshSignedBytes, signBatchRefresh, stampOf, verifyBatchRefresh } from '../../../agp/route/batch-refresh.ts'
import { batchSignedBytes } from '../../../agp/route/batch-signature.ts'
import { fakeSigner, fakeVerifier, makeRoute } from '../../helpers/fixtures.ts'

describe('batch refresh: what is signed and what it covers', () => {
  const keys = { signer: fakeSigner('origin'), verifier: fakeVerifier }
  const batchSignature = new Uint8Array(64).fill(7)

  it('verifies with the origin key only, and any change of time, batch or signer breaks it', () => {
    const r = signBatchRefresh(keys.signer, 'acme', batchSignature, ['a1'], 1_700_000_000_000)
    expect(verifyBatchRefresh(r, keys.verifier)).toBe(true)
    expect(verifyBatchRefresh({ ...r, refreshedAtMs: r.refreshedAtMs + 1 }, keys.verifier)).toBe(false)
    expect(verifyBatchRefresh({ ...r, batchSignature: new Uint8Array(64).fill(8) }, keys.verifier)).toBe(false)
    expect(verifyBatchRefresh({ ...r, originPeerId: 'other' }, keys.verifier)).toBe(false)
    // The agent ids are not signed: a hop trims them per neighbor.
    expect(verifyBatchRefresh({ ...r, agentIds: ['a2', 'a3'] }, keys.verifier)).toBe(true)
  })

  it('signs bytes no batch root or route signature can be: another domain', () => {
    const refresh = refreshSignedBytes('p', batchSignature, 5)
    const batch = batchSignedBytes('p', 2, new Uint8Array(32))
    expect(refresh[0]).toBe(0x00)
    expect(new TextDecoder().decode(refresh.subarray(1, 15))).toBe('agp-refresh-v1')
    expect(new TextDecoder().decode(batch.subarray(1, 13))).toBe('agp-batch-v1')
    // Times past 2^32 ms keep their high half.
    expect(refreshSignedBytes('p', batchSignature, 2 ** 40)).not.toEqual(refreshSignedBytes('p', batchSignature, 0))
  })

  it('covers a route only under the very signature bytes and origin key; the stamp and the evidence age move with it', () => {
    const route = makeRoute({ originPeerId: 'p', originatedAtMs: 1000, winRate: { wins: 5, trials: 10, measuredAtMs: 1000 } }, { signature: batchSignature })
    const refresh = { originPeerId: 'p', originOrg: 'acme', batchSignature: new Uint8Array(batchSignature), refreshedAtMs: 9000, signature: new Uint8Array(64), agentIds: ['x'] }
    expect(refreshCovers(refresh, route)).toBe(true)
    expect(refreshCovers({ ...refresh, originPeerId: 'q' }, route)).toBe(false)
    expect(refreshCovers({ ...refresh, batchSignature: new Uint8Array(64) }, route)).toBe(false)
    expect(stampOf(route)).toBe(1000)
    expect(evidenceMeasuredAtMs(route)).toBe(1000)
    const refreshed = { ...route, refreshedAtMs: 9000 }
    expect(stampOf(refreshed)).toBe(9000)
    expect(evidenceMeasuredAtMs(refreshed)).toBe(9000)
    // A stamp older than the origination never ages a route.
    expect(stampOf({ ...route, refreshedAtMs: 10 })).toBe(1000)
  })
})
