/**
 * A read-only check of level's write-ahead logs before the database opens. LevelDB
 * recovers a damaged log by dropping what fails its checksum — and every record after
 * it in the block — and then deletes the log: acknowledged writes vanish with nothing
 * but a line in `db/LOG`. Checking first lets the daemon refuse to start (nothing
 * changed yet) unless the operator asks for a repair.
 *
 * LevelDB log format (doc/log_format.md): 32 KiB blocks of records
 *   checksum u32le (masked crc32c of type ‖ data) | length u16le | type u8 | data
 * type 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST; a block tail under 7 bytes is zero padding.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const BLOCK = 32 * 1024
const HEADER = 7

export interface WalDamage {
  readonly file: string
  readonly offset: number
  readonly reason: string
}

/** Damage found in the `*.log` files of a level directory (empty when they are sound or absent). */
export function checkWal (location: string): WalDamage[] {
  let names: string[]
  try { names = readdirSync(location) } catch { return [] }
  const out: WalDamage[] = []
  for (const name of names.filter((n) => /^\d+\.log$/.test(n)).sort()) {
    const damage = checkLogFile(readFileSync(join(location, name)))
    if (damage !== undefined) out.push({ file: join(location, name), ...damage })
  }
  return out
}

function checkLogFile (b: Uint8Array): { offset: number, reason: string } | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let off = 0
  while (off < b.length) {
    const left = BLOCK - (off % BLOCK)
    if (left < HEADER) { off += left; continue }
    if (b.length - off < HEADER) return undefined
    const length = view.getUint16(off + 4, true)
    const type = b[off + 6] ?? 0
    // A zero header is preallocated space or a torn tail, which LevelDB also skips.
    if (type === 0 && length === 0) { if (allZero(b, off, Math.min(b.length, off + left))) { off += left; continue } }
    if (type < 1 || type > 4) return { offset: off, reason: `bad record type ${type}` }
    if (HEADER + length > left) return { offset: off, reason: 'record runs past its block' }
    // A record cut by the end of the file is a write torn by a crash: never acknowledged
    // (writes are synced before they are), and LevelDB drops it too.
    if (off + HEADER + length > b.length) return undefined
    const expected = view.getUint32(off, true)
    if (mask(crc32c(b, off + 6, off + HEADER + length)) !== expected) return { offset: off, reason: 'checksum mismatch' }
    off += HEADER + length
  }
  return undefined
}

function allZero (b: Uint8Array, from: number, to = b.length): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false
  return true
}

const TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0x82F63B78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** CRC-32C (Castagnoli), as LevelDB checksums records. */
export function crc32c (b: Uint8Array, from = 0, to = b.length): number {
  let c = 0xFFFFFFFF
  for (let i = from; i < to; i++) c = (TABLE[(c ^ (b[i] ?? 0)) & 0xFF] ?? 0) ^ (c >>> 8)
  return (c ^ 0xFFFFFFFF) >>> 0
}

/** LevelDB stores checksums masked (a CRC of data that holds CRCs is not a good CRC). */
export function mask (crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}
