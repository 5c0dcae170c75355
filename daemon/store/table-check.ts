/**
 * A read-only check of level's table files, to name the damaged one when a read fails:
 * LevelDB reports corruption ("bad block type", "corrupted compressed block contents")
 * without saying which table it was reading. Run only after such a failure, not at
 * every start: the whole check reads every table once.
 *
 * Table format (LevelDB doc/table_format.md): blocks, each followed by a 5-byte trailer
 * (type u8: 0 raw, 1 snappy | masked crc32c u32le of contents ‖ type), then a 48-byte
 * footer: metaindex handle, index handle (varint64 offset, size each), padding, and a
 * fixed64 magic. The index block maps keys to data-block handles.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32c, mask } from './wal-check.ts'

const FOOTER_BYTES = 48
const TRAILER_BYTES = 5
/** 0xdb4775248b80fb57 as the fixed64 little-endian bytes LevelDB writes. */
const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]

export interface TableDamage {
  readonly file: string
  /** Byte offset of the damaged block (or of the footer). */
  readonly offset: number
  readonly reason: string
}

/** Damage found in the table files of a level directory (empty when they are sound or absent). */
export function checkTables (location: string): TableDamage[] {
  let names: string[]
  try { names = readdirSync(location) } catch { return [] }
  const out: TableDamage[] = []
  for (const name of names.filter((n) => /^\d+\.(ldb|sst)$/.test(n)).sort()) {
    const file = join(location, name)
    let damage: Omit<TableDamage, 'file'> | undefined
    try { damage = checkTable(readFileSync(file)) } catch (err) { damage = { offset: 0, reason: (err as Error).message } }
    if (damage !== undefined) out.push({ file, ...damage })
  }
  return out
}

function checkTable (b: Uint8Array): Omit<TableDamage, 'file'> | undefined {
  const footer = b.length - FOOTER_BYTES
  if (footer < 0 || !TABLE_MAGIC.every((x, i) => b[b.length - 8 + i] === x)) return { offset: Math.max(0, footer), reason: 'no table footer (file cut short?)' }
  const r = { pos: footer }
  readVarint(b, r); readVarint(b, r) // metaindex handle
  const index = { offset: readVarint(b, r), size: readVarint(b, r) }
  const indexBlock = readBlock(b, index.offset, index.size)
  if (typeof indexBlock === 'string') return { offset: index.offset, reason: `index block: ${indexBlock}` }
  for (const handle of blockValues(indexBlock)) {
    const h = { pos: 0 }
    const offset = readVarint(handle, h)
    const block = readBlock(b, offset, readVarint(handle, h))
    if (typeof block === 'string') return { offset, reason: `data block: ${block}` }
  }
  return undefined
}

/** The block's contents (decompressed), or why it cannot be read. */
function readBlock (b: Uint8Array, offset: number, size: number): Uint8Array | string {
  if (offset + size + TRAILER_BYTES > b.length) return 'runs past the end of the file'
  const type = b[offset + size] ?? 0
  const expected = new DataView(b.buffer, b.byteOffset + offset + size + 1, 4).getUint32(0, true)
  if (mask(crc32c(b, offset, offset + size + 1)) !== expected) return 'checksum mismatch'
  const contents = b.subarray(offset, offset + size)
  if (type === 0) return contents
  if (type === 1) return snappyDecompress(contents)
  return `unknown compression type ${type}`
}

/** The values of a block's entries (shared/non-shared key prefix compression, restarts at the end). */
function blockValues (block: Uint8Array): Uint8Array[] {
  const restarts = new DataView(block.buffer, block.byteOffset + block.length - 4, 4).getUint32(0, true)
  const end = block.length - 4 * (restarts + 1)
  const out: Uint8Array[] = []
  const r = { pos: 0 }
  while (r.pos < end) {
    readVarint(block, r) // shared key bytes
    const nonShared = readVarint(block, r)
    const valueLength = readVarint(block, r)
    r.pos += nonShared
    out.push(block.subarray(r.pos, r.pos + valueLength))
    r.pos += valueLength
  }
  return out
}

function readVarint (b: Uint8Array, r: { pos: number }): number {
  let value = 0
  for (let shift = 0; shift < 64; shift += 7) {
    const byte = b[r.pos++]
    if (byte === undefined) throw new Error('varint runs past the end')
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return value
  }
  throw new Error('varint too long')
}

/** Snappy's raw format (format_description.txt): a varint length, then literals and copies. */
function snappyDecompress (src: Uint8Array): Uint8Array {
  const r = { pos: 0 }
  const out = new Uint8Array(readVarint(src, r))
  let o = 0
  while (r.pos < src.length) {
    const tag = src[r.pos++] ?? 0
    let length: number
    let offset: number
    switch (tag & 3) {
      case 0: {
        length = tag >> 2
        if (length >= 60) {
          const n = length - 59
          length = 0
          for (let i = 0; i < n; i++) length |= (src[r.pos++] ?? 0) << (8 * i)
        }
        length += 1
        if (r.pos + length > src.length || o + length > out.length) throw new Error('snappy literal runs past the end')
        out.set(src.subarray(r.pos, r.pos + length), o)
        r.pos += length
        o += length
        continue
      }
      case 1: length = ((tag >> 2) & 7) + 4; offset = ((tag >> 5) << 8) | (src[r.pos++] ?? 0); break
      case 2: length = (tag >> 2) + 1; offset = (src[r.pos] ?? 0) | ((src[r.pos + 1] ?? 0) << 8); r.pos += 2; break
      default: length = (tag >> 2) + 1; offset = new DataView(src.buffer, src.byteOffset + r.pos, 4).getUint32(0, true); r.pos += 4
    }
    if (offset === 0 || offset > o || o + length > out.length) throw new Error('snappy copy out of range')
    for (let i = 0; i < length; i++, o++) out[o] = out[o - offset] ?? 0
  }
  if (o !== out.length) throw new Error('snappy output shorter than its length')
  return out
}
