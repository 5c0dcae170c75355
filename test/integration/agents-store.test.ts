// One bad agent must never stop routing: an agent the wire would refuse is refused by
// the API before anything is stored, and a stored record that no longer validates is
// skipped and logged at start (the daemon still routes its other agents) and can be
// deleted. A real atpd, restarted over the same data dir.
import { join } from 'node:path'
import { Level } from 'level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupSites, prepareSites, routesAt, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { sampleAgent } from '../helpers/fixtures.ts'

interface AgentsJson { agents: Array<{ id: string }> }

/** Writes raw records into the stopped daemon's agents store. */
async function writeAgentRecords (site: AtpdProcess, records: Record<string, string>): Promise<void> {
  const db = new Level<string, string>(join(site.dataDir, 'db'))
  await db.open()
  const agents = db.sublevel<string, string>('agents', { valueEncoding: 'utf8' })
  for (const [key, value] of Object.entries(records)) await agents.put(key, value)
  await db.close()
}

describe('agents: validated once with the wire rule, before they are stored', () => {
  let site: AtpdProcess

  beforeAll(async () => {
    ;[site] = await prepareSites([{ org: 'acme' }]) as [AtpdProcess]
    await site.start()
  })
  afterAll(async () => { await cleanupSites([site]) })

  it('an endpoint with a space, non-ASCII or CR/LF: 400 naming the rule, and nothing is stored', async () => {
    expect((await site.api('PUT', '/v1/agents/good', sampleAgent())).status).toBe(201)
    for (const endpoint of ['https://a.example/x y', 'https://a.example/é', 'https://a.example/\r\nx']) {
      const r = await site.api<{ message: string }>('PUT', '/v1/agents/bad', sampleAgent({ endpoint }))
      expect(r.status).toBe(400)
      expect(r.body.message).toMatch(/endpoint: not printable ASCII without spaces/)
    }
    expect((await site.api<AgentsJson>('GET', '/v1/agents')).body.agents.map((a) => a.id)).toEqual(['good'])
    expect((await site.api('DELETE', '/v1/agents/bad')).status).toBe(404)
  })

  it('after a restart: nothing was stored for the refused agent; a stored record that no longer validates is skipped and logged, never stops routing, and DELETE removes it', async () => {
    await site.stop()
    await writeAgentRecords(site, {
      spaced: JSON.stringify({ id: 'spaced', ...sampleAgent({ endpoint: 'https://a.example/x y' }) }),
      shapeless: JSON.stringify({ id: 'shapeless' })
    })
    await site.start()
    expect(site.logs).toMatch(/"record":"agents\/spaced".*stored agent no longer validates/)
    expect(site.logs).toMatch(/"record":"agents\/shapeless"/)
    expect(site.logs).not.toMatch(/agents\/bad/)
    expect((await site.api<AgentsJson>('GET', '/v1/agents')).body.agents.map((a) => a.id)).toEqual(['good'])
    expect((await routesAt(site)).map((r) => r.agent)).toEqual(['good'])
    expect((await site.api('DELETE', '/v1/agents/spaced')).status).toBe(200)
    expect((await site.api('DELETE', '/v1/agents/spaced')).status).toBe(404)
  })
})
