// identityBelow must find a wire peer that dials first even when the daemon's random id
// sorts near the bottom: the share of ids below it is its rank, and 64 tries left the
// lowest-percent daemons without one about half the time (a flaky integration setup).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { loadOrCreateIdentity } from '../../../daemon/identity/index.ts'
import { identityBelow } from '../../helpers/agp-wire-peer.ts'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('identityBelow', () => {
  it('finds an identity below a peer id from the lowest fraction of a percent', async () => {
    const ids = await Promise.all(Array.from({ length: 400 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    const low = ids.sort()[0] as string
    const root = mkdtempSync(join(tmpdir(), 'atpd-below-'))
    dirs.push(root)
    const dir = await identityBelow(root, low)
    const { peerId, created } = await loadOrCreateIdentity(dir)
    expect(created).toBe(false)
    expect(peerId < low).toBe(true)
  }, 60_000)
})
