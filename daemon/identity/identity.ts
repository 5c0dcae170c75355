/**
 * The node identity: an ed25519 libp2p private key in `<dataDir>/identity.key`,
 * protobuf-encoded as libp2p stores keys, file mode 0600. The peer id derived from it
 * names this node everywhere (sessions, origin signatures, memory envelopes).
 *
 * A key file readable by group or others is refused rather than silently fixed: the
 * operator should learn that the key may have leaked.
 */
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { IdentityError } from './errors.ts'

export const IDENTITY_FILE = 'identity.key'

export interface NodeIdentity {
  readonly privateKey: Ed25519PrivateKey
  /** Base58 peer id (`12D3KooW…`). */
  readonly peerId: string
  readonly path: string
  /** True when this call created the key. */
  readonly created: boolean
}

/** Reads the identity from `<dataDir>/identity.key`, creating it (and the dir) if absent. */
export async function loadOrCreateIdentity (dataDir: string): Promise<NodeIdentity> {
  const path = join(dataDir, IDENTITY_FILE)
  const existing = await readIdentity(path)
  if (existing !== undefined) return existing
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const privateKey = await generateKeyPair('Ed25519')
  await writeKeyFile(path, privateKeyToProtobuf(privateKey))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), path, created: true }
}

/** Reads an existing identity; undefined when the file does not exist. */
export async function readIdentity (path: string): Promise<NodeIdentity | undefined> {
  let mode: number
  try {
    mode = (await stat(path)).mode
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new IdentityError(path, `cannot stat identity file: ${(err as Error).message}`, { cause: err })
  }
  if ((mode & 0o077) !== 0) {
    throw new IdentityError(path, `identity file mode is ${(mode & 0o777).toString(8)}, must be 600 (run: chmod 600 ${path})`)
  }
  const bytes = await readFile(path)
  let key
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityError(path, `identity file is corrupt (not a protobuf libp2p private key): ${(err as Error).message}`, { cause: err })
  }
  if (key.type !== 'Ed25519') {
    throw new IdentityError(path, `identity key is ${key.type}, must be Ed25519`)
  }
  return { privateKey: key, peerId: peerIdFromPrivateKey(key).toString(), path, created: false }
}

/** Write to a temp file with mode 0600 then rename, so a crash never leaves half a key. */
async function writeKeyFile (path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await chmod(tmp, 0o600) // the umask may have narrowed it further; never widened
  await rename(tmp, path)
}
