import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { IdentityError, loadOrCreateIdentity } from '../../../daemon/identity/index.ts'
import { createEd25519Signer, createEd25519Verifier, createNodeHasher } from '../../../daemon/identity/keys.ts'
import { defaultHasher } from '../../../kernel/index.ts'

const dirs: string[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-id-'))
  dirs.push(d)
  return d
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('node identity', () => {
  it('creates an ed25519 key with mode 0600 and reads the same one back', async () => {
    const dir = join(tempDir(), 'nested')
    const a = await loadOrCreateIdentity(dir)
    expect(a.created).toBe(true)
    expect(a.peerId).toMatch(/^12D3KooW/)
    expect(statSync(a.path).mode & 0o777).toBe(0o600)
    const b = await loadOrCreateIdentity(dir)
    expect(b.created).toBe(false)
    expect(b.peerId).toBe(a.peerId)
  })

  it('refuses a key file readable by others, saying how to fix it', async () => {
    const dir = tempDir()
    const { path } = await loadOrCreateIdentity(dir)
    chmodSync(path, 0o644)
    await expect(loadOrCreateIdentity(dir)).rejects.toThrow(/mode is 644, must be 600.*chmod 600/)
  })

  it('refuses a corrupt key file with a typed error', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'identity.key'), 'not a key', { mode: 0o600 })
    const err = await loadOrCreateIdentity(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect(String(err)).toMatch(/corrupt/)
  })
})

describe('ed25519 signer and verifier', () => {
  it('verifies its own signatures by peer id and rejects tampering', async () => {
    const id = await loadOrCreateIdentity(tempDir())
    const signer = createEd25519Signer(id.peerId, id.privateKey)
    const verifier = createEd25519Verifier({ maxCachedKeys: 2 })
    const data = new TextEncoder().encode('route attributes')
    const sig = signer.sign(data)
    expect(sig.length).toBe(64)
    expect(verifier.verify(id.peerId, data, sig)).toBe(true)
    // libp2p's own verification agrees (same key, same algorithm).
    expect(await id.privateKey.publicKey.verify(data, sig)).toBe(true)
    const altered = Uint8Array.from(data); altered[0] = (altered[0] ?? 0) ^ 1
    expect(verifier.verify(id.peerId, altered, sig)).toBe(false)
    const badSig = Uint8Array.from(sig); badSig[10] = (badSig[10] ?? 0) ^ 1
    expect(verifier.verify(id.peerId, data, badSig)).toBe(false)
  })

  it('rejects signatures under another peer id, malformed ids and wrong lengths', async () => {
    const a = await loadOrCreateIdentity(tempDir())
    const b = await loadOrCreateIdentity(tempDir())
    const c = await loadOrCreateIdentity(tempDir())
    const verifier = createEd25519Verifier({ maxCachedKeys: 2 })
    const data = new Uint8Array([1, 2, 3])
    const sig = createEd25519Signer(a.peerId, a.privateKey).sign(data)
    expect(verifier.verify(b.peerId, data, sig)).toBe(false)
    expect(verifier.verify(c.peerId, data, sig)).toBe(false)
    expect(verifier.verify('not-a-peer-id', data, sig)).toBe(false)
    expect(verifier.verify(a.peerId, data, sig.subarray(0, 63))).toBe(false)
    // After LRU eviction the key is rebuilt and still verifies.
    expect(verifier.verify(a.peerId, data, sig)).toBe(true)
  })

  it('hashes as the pure-JS SHA-256 does, every byte value and length, digests that do not share a buffer', () => {
    const node = createNodeHasher()
    const digests: Uint8Array[] = []
    for (const length of [...Array.from({ length: 100 }, (_, i) => i), 200, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xFF)
      const digest = node.sha256(data)
      expect(digest).toEqual(defaultHasher.sha256(data))
      expect(node.sha256Hex?.(data)).toBe(Buffer.from(digest).toString('hex'))
      digests.push(digest)
    }
    // Every byte value came out of some digest, and came out as itself.
    expect(new Set(digests.flatMap((d) => [...d])).size).toBe(256)
    digests[0]?.fill(0)
    expect(digests[1]).toEqual(defaultHasher.sha256(Uint8Array.from({ length: 1 }, () => 1)))
  })
})
