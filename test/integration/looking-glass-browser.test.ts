/**
 * The looking glass in a real browser (Debian's chromium driven by playwright-core)
 * against a real two-org federation: a person's steps — open the page, fill the resolve
 * form, submit, read the ranked result, open the route's detail — and a screenshot of
 * the overview saved under reports/ for CI.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupSites, connect, prepareSites, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { agentFields } from '../helpers/fixtures.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const REPORTS = resolve(import.meta.dirname, '..', '..', 'reports')
const MEMORY = { namespaces: [{ id: 'demo', members: ['acme', 'beta'], writers: ['acme', 'beta'] }] }

describe('looking glass in a browser', () => {
  let sites: AtpdProcess[] = []
  let browser: Browser

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
    sites = await prepareSites([
      { org: 'acme', config: { memory: MEMORY, agents: [{ id: 'reviewer', ...agentFields({ capability: 'code-review/python', endpoint: 'http://127.0.0.1:9001' }) }] } },
      { org: 'beta', config: { memory: MEMORY } }
    ])
    const [acme, beta] = sites as [AtpdProcess, AtpdProcess]
    connect(acme, beta, 'partner', 'partner')
    await Promise.all(sites.map(async (s) => { await s.start() }))
    await waitFor(async () => {
      const r = await beta.api<{ routes: { capability: string }[] }>('GET', '/v1/routes')
      return r.body.routes.some((x) => x.capability === 'code-review/python')
    }, { what: 'the route at beta' })
    expect((await acme.api('PUT', '/v1/memory/demo/entries/incident', { value: { status: 'open' } })).status).toBe(200)
    await waitFor(async () => (await beta.api('GET', '/v1/memory/demo/entries/incident')).status === 200, { what: 'the entry at beta' })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  })

  afterAll(async () => {
    await browser?.close()
    await cleanupSites(sites)
  })

  it('fills the resolve form, reads the ranked result, opens the route detail', async () => {
    const beta = sites[1] as AtpdProcess
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${beta.apiUrl}/`)
    await page.fill('#resolve-form input[name=capability]', 'code-review/python/security')
    await page.fill('#resolve-form input[name=maxCostUsd]', '1')
    await Promise.all([page.waitForURL(/\/lg\/resolve\?/), page.click('#resolve-form button[type=submit]')])
    expect(await page.textContent('#resolve-capability')).toBe('code-review/python')
    const firstRow = await page.locator('#resolve-result tr').nth(1).innerText()
    expect(firstRow).toContain('acme/reviewer')
    expect(firstRow).toContain('http://127.0.0.1:9001')

    await page.click('#resolve-result a')
    await page.waitForSelector('#route-attributes')
    expect(await page.locator('#route-attributes').innerText()).toMatch(/originPeerId\s+12D3KooW/)

    await page.goBack()
    await page.fill('#resolve-form input[name=capability]', 'code-review')
    await Promise.all([page.waitForURL(/capability=code-review&/), page.click('#resolve-form button[type=submit]')])
    expect(await page.textContent('#resolve-error')).toContain('did you mean a more specific capability: code-review/python?')
    await page.close()
  })

  it('shows sessions, memory with who wrote it and the audit tail; saves a screenshot', async () => {
    const beta = sites[1] as AtpdProcess
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${beta.apiUrl}/`)
    expect(await page.locator('#sessions').innerText()).toMatch(/acme\/acme\s+partner\s+established/)
    await page.waitForSelector('table.memory-namespace tr:nth-child(2)')
    expect(await page.locator('table.memory-namespace').innerText()).toMatch(/incident\s+\{"status":"open"\}\s+acme/)
    await page.waitForSelector('#audit tr:nth-child(2)')
    expect(await page.locator('#audit').innerText()).toContain('session-up')
    mkdirSync(REPORTS, { recursive: true })
    await page.screenshot({ path: join(REPORTS, 'looking-glass.png'), fullPage: true })
    expect(existsSync(join(REPORTS, 'looking-glass.png'))).toBe(true)
    await page.close()
  })

  it('every metric the Grafana dashboard queries is in a running daemon\'s /metrics', async () => {
    const dashboard = readFileSync(resolve(import.meta.dirname, '..', '..', 'deploy', 'grafana', 'atpd-dashboard.json'), 'utf8')
    const queried = new Set([...dashboard.matchAll(/\b(atpd_[a-z_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, '')))
    expect(queried.size).toBeGreaterThanOrEqual(10)
    const res = await fetch(`${(sites[1] as AtpdProcess).apiUrl}/metrics`)
    const exposed = new Set([...(await res.text()).matchAll(/^# TYPE (atpd_[a-z_]+) /gm)].map((m) => m[1]))
    expect([...queried].filter((m) => !exposed.has(m))).toEqual([])
  })
})
