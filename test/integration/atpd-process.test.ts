import { afterEach, describe, expect, it } from 'vitest'
import { cleanupSites, prepareSites, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'

describe('AtpdProcess (the launcher of the integration fixture and the soak)', () => {
  let sites: AtpdProcess[] = []
  afterEach(async () => { await cleanupSites(sites) })

  it('fails a start at once when the daemon exits, with its exit code and output', async () => {
    sites = await prepareSites([{ org: 'acme' }])
    const [site] = sites as [AtpdProcess]
    site.config.holdTimeS = 1 // below the minimum: the config check exits 2
    const started = Date.now()
    await expect(site.start({ timeoutMs: 25_000 })).rejects.toThrow(/did not start: .*exited with code 2[\s\S]*holdTimeS/)
    expect(Date.now() - started).toBeLessThan(15_000)
  }, 40_000)

  it('runs the daemon in a process group of its own and stops it with one SIGTERM', async () => {
    sites = await prepareSites([{ org: 'acme' }])
    const [site] = sites as [AtpdProcess]
    await site.start()
    const pid = site.pid as number
    // A group leader's process group id is its pid: signalling -pid reaches it.
    expect(() => { process.kill(-pid, 0) }).not.toThrow()
    expect(await site.stop()).toBe(0)
    expect(site.logs).toMatch(/atpd stopped/)
  }, 40_000)
})
