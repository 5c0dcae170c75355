/**
 * `atp mem put|get|rm|history|ls|text`: the memory routes (docs/api.md).
 *   atp mem put NS KEY JSON        PUT /v1/memory/NS/entries/KEY { value }   (JSON, else a string)
 *   atp mem get NS KEY             GET …/entries/KEY (value and provenance)
 *   atp mem rm NS KEY              DELETE …/entries/KEY
 *   atp mem history NS KEY         GET …/entries/KEY/history (causal order)
 *   atp mem ls NS                  GET /v1/memory/NS (entries, stateHash)
 *   atp mem namespaces             GET /v1/memory (namespaces this daemon holds)
 *   atp mem text NS KEY [--insert S --at N] [--delete N --at N]   POST/GET …/texts/KEY
 */
import { Command } from 'commander'
import { contextOf, type CliIo } from '../../context.ts'
import { formatTable } from '../../table.ts'

interface ProvenanceJson { org: string, peerId: string, seq: number, vectorClock: Record<string, number>, signatureValid: boolean, at: string }
interface NamespaceJson { id: string, members: string[], writers: string[], stateHash: string, envelopes: number }
interface WriteJson { value: unknown, deleted?: boolean, provenance: ProvenanceJson | null }

const path = (ns: string, kind: 'entries' | 'texts', key: string): string => `/v1/memory/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(key)}`

function parseValue (raw: string): unknown {
  try { return JSON.parse(raw) as unknown } catch { return raw }
}

function clockText (c: Record<string, number>): string {
  return Object.entries(c).map(([k, n]) => `${k.length > 16 ? '…' + k.slice(-12) : k}=${n}`).join(' ')
}

export function memCommand (io: CliIo): Command {
  const mem = new Command('mem').description('shared CRDT memory: entries and texts with signed provenance')

  mem.command('put <ns> <key> <value>').description('set an entry (value parsed as JSON, else taken as a string)')
    .action(async (ns: string, key: string, value: string, _o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.put<{ ok: boolean, seq: number }>(path(ns, 'entries', key), { value: parseValue(value) })
      ctx.print(body, () => `ok: ${key} written in envelope seq ${body.seq}\n`)
    })

  mem.command('get <ns> <key>').description('read an entry with its provenance')
    .action(async (ns: string, key: string, _o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<WriteJson>(path(ns, 'entries', key))
      ctx.print(body, () => {
        const p = body.provenance
        return `${JSON.stringify(body.value)}\n` + (p === null ? '' : `written by ${p.org} (${p.peerId}) seq ${p.seq} at ${p.at}, signature ${p.signatureValid ? 'valid' : 'INVALID'}\nafter ${clockText(p.vectorClock)}\n`)
      })
    })

  mem.command('rm <ns> <key>').description('delete an entry')
    .action(async (ns: string, key: string, _o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.delete<{ ok: boolean, seq: number }>(path(ns, 'entries', key))
      ctx.print(body, () => `ok: ${key} deleted in envelope seq ${body.seq}\n`)
    })

  mem.command('history <ns> <key>').description('every write to an entry, in causal order')
    .action(async (ns: string, key: string, _o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ writes: WriteJson[] }>(`${path(ns, 'entries', key)}/history`)
      ctx.print(body, () => formatTable(body.writes, [
        { header: 'VALUE', value: (w) => (w.deleted === true ? '(deleted)' : JSON.stringify(w.value)) },
        { header: 'ORG', value: (w) => w.provenance?.org ?? '' },
        { header: 'SEQ', value: (w) => w.provenance?.seq ?? 0 },
        { header: 'AT', value: (w) => w.provenance?.at ?? '' },
        { header: 'AFTER', value: (w) => clockText(w.provenance?.vectorClock ?? {}) }
      ]))
    })

  mem.command('namespaces').description('the namespaces this daemon holds: members, writers, stateHash')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ namespaces: NamespaceJson[] }>('/v1/memory')
      ctx.print(body, () => body.namespaces.length === 0
        ? 'no memory namespaces (configure memory.namespaces in the site config)\n'
        : formatTable(body.namespaces, [
          { header: 'NAMESPACE', value: (n) => n.id },
          { header: 'MEMBERS', value: (n) => n.members.join(',') },
          { header: 'WRITERS', value: (n) => n.writers.length === 0 ? '-' : n.writers.join(',') },
          { header: 'ENVELOPES', value: (n) => n.envelopes, align: 'right' },
          { header: 'STATE HASH', value: (n) => n.stateHash.slice(0, 16) }
        ]))
    })

  mem.command('ls <ns>').description('entries of a namespace and its stateHash')
    .action(async (ns: string, _o: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ entries: Record<string, unknown>, texts?: string[], stateHash: string }>(`/v1/memory/${encodeURIComponent(ns)}`)
      ctx.print(body, () => formatTable(Object.entries(body.entries), [
        { header: 'KEY', value: ([k]) => k },
        { header: 'VALUE', value: ([, v]) => JSON.stringify(v) }
      ]) + (body.texts !== undefined && body.texts.length > 0 ? `texts: ${body.texts.join(', ')}\n` : '') + `stateHash ${body.stateHash}\n`)
    })

  mem.command('text <ns> <key>').description('read a text with its authors, or edit it (--insert/--delete at --at)')
    .option('--insert <text>', 'text to insert at --at')
    .option('--delete <count>', 'characters to delete at --at')
    .option('--at <index>', 'position of the edit (default 0)', '0')
    .action(async (ns: string, key: string, o: { insert?: string, delete?: string, at: string }, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      if (o.insert !== undefined || o.delete !== undefined) {
        const edit = { index: Number(o.at), ...(o.insert !== undefined ? { insert: o.insert } : {}), ...(o.delete !== undefined ? { delete: Number(o.delete) } : {}) }
        const body = await ctx.client.post<{ ok: boolean, seq: number }>(path(ns, 'texts', key), { edits: [edit] })
        ctx.print(body, () => `ok: ${key} edited in envelope seq ${body.seq}\n`)
        return
      }
      const body = await ctx.client.get<{ text: string, authors: Array<{ from: number, to: number, org: string, peerId: string }> }>(path(ns, 'texts', key))
      ctx.print(body, () => body.text + '\n' + formatTable(body.authors, [
        { header: 'FROM', value: (a) => a.from },
        { header: 'TO', value: (a) => a.to },
        { header: 'ORG', value: (a) => a.org },
        { header: 'PEER ID', value: (a) => a.peerId }
      ]))
    })
  return mem
}
