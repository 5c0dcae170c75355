// Partition and heal: two member orgs sync through a reflector;
// the reflector is frozen (SIGSTOP), both sides write the same keys and the same text,
// the reflector is thawed (SIGCONT), and everything converges with a causally ordered
// history. Then `atp mem` (bin/atp.js, a real child process) against the same daemons.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupSites, connect, peerState, prepareSites, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const NS = { id: 'incident-7', members: ['acme', 'globex'], writers: ['acme', 'globex'] }
const ATP_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'atp.js')

type Clock = Record<string, number>
interface Prov { org: string, peerId: string, seq: number, vectorClock: Clock, signatureValid: boolean }
interface WriteJson { value: unknown, deleted: boolean, provenance: Prov }
interface NsJson { entries: Record<string, unknown>, stateHash: string }

/** a happened before b: b's clock covers a's and they differ (vector clock order). */
function happenedBefore (a: Clock, b: Clock): boolean {
  return Object.entries(a).every(([k, n]) => (b[k] ?? 0) >= n) && Object.entries(b).some(([k, n]) => (a[k] ?? 0) < n)
}

describe('memory: partition and heal through a frozen reflector', () => {
  let rr: AtpdProcess, acme: AtpdProcess, globex: AtpdProcess
  const ok = async <T>(site: AtpdProcess, method: string, path: string, body?: unknown): Promise<T> => {
    const r = await site.api<T>(method, path, body)
    if (r.status !== 200) throw new Error(`${method} ${site.org}${path}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  const ns = async (site: AtpdProcess): Promise<NsJson> => await ok<NsJson>(site, 'GET', `/v1/memory/${NS.id}`)
  const sameHash = async (): Promise<string | undefined> => {
    const [a, g] = await Promise.all([ns(acme), ns(globex)])
    const r = (await ok<{ namespaces: Array<{ stateHash: string }> }>(rr, 'GET', '/v1/memory')).namespaces[0]?.stateHash
    return a.stateHash === g.stateHash && g.stateHash === r ? a.stateHash : undefined
  }

  beforeAll(async () => {
    const memory = { memory: { namespaces: [NS] } }
    ;[rr, acme, globex] = await prepareSites([
      { org: 'fed-ops', role: 'reflector', config: memory }, { org: 'acme', config: memory }, { org: 'globex', config: memory }
    ]) as [AtpdProcess, AtpdProcess, AtpdProcess]
    connect(acme, rr, 'reflector', 'client')
    connect(globex, rr, 'reflector', 'client')
    await Promise.all([rr.start(), acme.start(), globex.start()])
    // The sync paths are up once a write at one side reads at the other.
    await ok(acme, 'PUT', `/v1/memory/${NS.id}/entries/hello`, { value: 'from acme' })
    await waitFor(async () => (await globex.api('GET', `/v1/memory/${NS.id}/entries/hello`)).status === 200, { what: 'first write at globex' })
  })

  afterAll(async () => { await cleanupSites([rr, acme, globex]) })

  it('concurrent writes on both sides of a partition converge after it heals, history causally ordered', async () => {
    rr.freeze()
    try {
      // Each side writes the same key twice (a causal chain of its own) and edits the same text.
      for (const [site, tag] of [[acme, 'acme'], [globex, 'globex']] as const) {
        await ok(site, 'PUT', `/v1/memory/${NS.id}/entries/owner`, { value: `${tag}-1` })
        await ok(site, 'PUT', `/v1/memory/${NS.id}/entries/owner`, { value: `${tag}-2` })
        await ok(site, 'POST', `/v1/memory/${NS.id}/texts/notes`, { edits: [{ index: 0, insert: `${tag} was here. ` }] })
      }
      // Acknowledged (durable) on each side, yet neither has seen the other: a real split.
      expect((await ns(acme)).entries.owner).toBe('acme-2')
      expect((await ns(globex)).entries.owner).toBe('globex-2')
      expect((await ns(acme)).stateHash).not.toBe((await ns(globex)).stateHash)
      // Hold the partition until both members' daemons see it (hold timer, 3 s here).
      await waitFor(async () => (await peerState(acme, rr.peerId)) !== 'established' && (await peerState(globex, rr.peerId)) !== 'established', { what: 'sessions to the frozen reflector down', timeoutMs: 15_000 })
    } finally {
      rr.thaw()
    }
    const converged = await waitFor(sameHash, { what: 'same stateHash at acme, globex and the reflector', timeoutMs: 30_000 })
    expect(converged).toMatch(/^[0-9a-f]{64}$/)

    // After the heal, acme writes again: that write has seen all four.
    await ok(acme, 'PUT', `/v1/memory/${NS.id}/entries/owner`, { value: 'resolved' })
    await waitFor(sameHash, { what: 'converged after the resolving write' })
    const { writes } = await ok<{ writes: WriteJson[] }>(globex, 'GET', `/v1/memory/${NS.id}/entries/owner/history`)
    expect(await ok(acme, 'GET', `/v1/memory/${NS.id}/entries/owner/history`)).toEqual({ writes })
    expect(writes.map((w) => w.value).sort()).toEqual(['acme-1', 'acme-2', 'globex-1', 'globex-2', 'resolved'])
    expect(writes.at(-1)?.value).toBe('resolved')
    expect(writes.every((w) => w.provenance.signatureValid)).toBe(true)
    // The listed order is a linear extension of happened-before: no write precedes an earlier one.
    for (const [i, w] of writes.entries()) {
      for (const later of writes.slice(i + 1)) expect(happenedBefore(later.provenance.vectorClock, w.provenance.vectorClock)).toBe(false)
    }
    const at = (v: string): Clock => writes.find((w) => w.value === v)?.provenance.vectorClock ?? {}
    expect(happenedBefore(at('acme-1'), at('acme-2'))).toBe(true)
    expect(happenedBefore(at('globex-1'), at('globex-2'))).toBe(true)
    // Across the partition the writes are concurrent: neither side's clock covers the other's.
    expect(happenedBefore(at('acme-2'), at('globex-1')) || happenedBefore(at('globex-1'), at('acme-2'))).toBe(false)
    for (const v of ['acme-2', 'globex-2']) expect(happenedBefore(at(v), at('resolved'))).toBe(true)

    const text = await ok<{ text: string, authors: Array<{ org: string }> }>(acme, 'GET', `/v1/memory/${NS.id}/texts/notes`)
    expect(text.text).toContain('acme was here. ')
    expect(text.text).toContain('globex was here. ')
    expect(new Set(text.authors.map((a) => a.org))).toEqual(new Set(['acme', 'globex']))
    expect(await ok(globex, 'GET', `/v1/memory/${NS.id}/texts/notes`)).toEqual(text)
  })

  it('atp mem put at acme, atp mem get at globex (the CLI as a child process)', async () => {
    const atp = async (site: AtpdProcess, ...args: string[]): Promise<string> =>
      (await promisify(execFile)(process.execPath, [ATP_BIN, '--api', site.apiUrl, ...args], { timeout: 30_000 })).stdout
    expect(await atp(acme, 'mem', 'put', NS.id, 'cli-key', '{"via":"cli"}')).toMatch(/^ok: cli-key written in envelope seq \d+/)
    const got = await waitFor(async () => {
      const r = await globex.api('GET', `/v1/memory/${NS.id}/entries/cli-key`)
      return r.status === 200 ? await atp(globex, '--json', 'mem', 'get', NS.id, 'cli-key') : undefined
    }, { what: 'cli-key at globex' })
    expect(JSON.parse(got)).toMatchObject({ value: { via: 'cli' }, provenance: { org: 'acme', peerId: acme.peerId, signatureValid: true } })
  })
})
