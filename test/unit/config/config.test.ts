import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AtpError } from '../../../kernel/errors.ts'
import { DEFAULT_DAMPING, DEFAULT_FRESHNESS } from '../../../agp/params.ts'
import { DEFAULT_LIMITS } from '../../../reflector/types.ts'
import { ConfigError, loadConfig, parseConfig, parseConfigWithWarnings, siteConfigSchema, toSpeakerInit } from '../../../daemon/config/index.ts'

/**
 * A daemon's limits: the core's, with room for 1,024 paths per capability (100 agents
 * behind one capability must not be cut silently) and paced export.
 */
const DAEMON_LIMITS = { ...DEFAULT_LIMITS, maxPathsPerCapability: 1024, exportRoutesPerTurn: 2048 }

const RR = '12D3KooWPpss4pH6bCG2hqxCkDLLNjw8MfiPc9zAm9nS9LmWsfsL'
const OTHER = '12D3KooWSpCu2RzmAhaDrrwBtFiHKDDQtnspQbP1dUyF8ND4tYrB'

const SITE = `
org: acme
role: peer
dataDir: ./data/acme
listen: ["/ip4/127.0.0.1/tcp/4101"]
api: { listen: "127.0.0.1:7101", token: null }
neighbors:
  - { peer: "${RR}", addrs: ["/ip4/127.0.0.1/tcp/4100"], org: rr, role: reflector }
interests: ["code-review"]
agents:
  - id: reviewer-1
    capability: code-review/python
    endpoint: "http://127.0.0.1:9001"
    costUsd: 0.4
    latencyMs: { p50: 900, p95: 2000 }
    winRate: { wins: 80, trials: 100 }
    region: eu
    tags: []
damping: { halfLifeS: 900, suppress: 6000, reuse: 750, maxSuppressS: 3600,
           withdrawPenalty: 1000, changePenalty: 500, readvertisePenalty: 0,
           hysteresis: { costRel: 0.1, latencyRel: 0.1, winRateAbs: 0.05 } }
freshness: { refreshS: 60, staleS: 300, maxAgeS: 900 }
mraiMs: 100
holdTimeS: 90
`

function errorOf (text: string): ConfigError {
  try {
    parseConfig(text, '/etc/atp/site.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('site config', () => {
  it('parses the contract example and fills defaults', () => {
    const c = parseConfig(SITE, '/etc/atp/site.yaml')
    expect(c.org).toBe('acme')
    expect(c.dataDir).toBe('/etc/atp/data/acme')
    expect(c.neighbors[0]).toEqual({ peer: RR, addrs: ['/ip4/127.0.0.1/tcp/4100'], org: 'rr', role: 'reflector' })
    expect(c.agents[0]?.winRate).toEqual({ wins: 80, trials: 100 })
    expect(c.damping).toEqual(DEFAULT_DAMPING)
    expect(c.restartTimeS).toBe(120)
    expect(c.reconnect.maxBackoffS).toBe(30)
    expect(c.limits).toEqual(DAEMON_LIMITS)
    expect(c.policy).toEqual({ import: [], export: [] })
    expect(c.memory.namespaces).toEqual([])
    expect(c.log.level).toBe('info')
  })

  it('a minimal config gets every default', () => {
    const c = parseConfig('org: acme\nrole: peer\ndataDir: /var/lib/atp\n', 'site.yaml')
    expect(c.api).toEqual({ listen: '127.0.0.1:7101', token: null })
    expect(c.interests).toEqual([])
    expect(c.freshness).toEqual(DEFAULT_FRESHNESS)
    expect(c.damping.hysteresis).toEqual(DEFAULT_DAMPING.hysteresis)
    expect(c.mraiMs).toBe(100)
    expect(c.holdTimeS).toBe(90)
    expect(c.dataDir).toBe('/var/lib/atp')
  })

  it('accepts more than 10,000 agents (an origin of 100k routes)', () => {
    const agents = Array.from({ length: 10_001 }, (_, i) => ({ id: `a${i}`, capability: 'x/y', endpoint: 'http://127.0.0.1:1', costUsd: 0, latencyMs: { p50: 1, p95: 1 } }))
    const c = siteConfigSchema.safeParse({ org: 'acme', role: 'peer', dataDir: '/d', agents })
    expect(c.success).toBe(true)
  })

  it('reads a JSON config (what the launcher writes) as the same config as its YAML', async () => {
    const { parse } = await import('yaml')
    const asJson = JSON.stringify(parse(SITE))
    expect(parseConfig(asJson, 'site.json', { baseDir: '/x' })).toEqual(parseConfig(SITE, 'site.yaml', { baseDir: '/x' }))
    // YAML flow style is not JSON: still read, by the YAML parser.
    expect(parseConfig('{ org: acme, role: peer, dataDir: ./d }', 'flow.yaml', { baseDir: '/x' }).org).toBe('acme')
    // Broken JSON gets the YAML parser's located error, not JSON.parse's.
    expect(() => parseConfig('{ "org": "acme",\n  "dataDir": ', 'bad.json')).toThrow(/bad\.json:\d+:\d+: invalid YAML/)
  })

  it('partial nested objects keep the other defaults', () => {
    const c = parseConfig('org: a\nrole: peer\ndataDir: d\ndamping: { halfLifeS: 60, hysteresis: { costRel: 0.2 } }\n', 'site.yaml')
    expect(c.damping.halfLifeS).toBe(60)
    expect(c.damping.suppress).toBe(DEFAULT_DAMPING.suppress)
    expect(c.damping.hysteresis).toEqual({ ...DEFAULT_DAMPING.hysteresis, costRel: 0.2 })
  })

  it.each([
    [SITE.replace(`peer: "${RR}"`, 'peer: "12D3KooWnope"'), 'config error: neighbors[0].peer: not a peer id (expected 12D3KooW…)'],
    [SITE.replace('org: acme', 'org: Acme_Corp'), 'config error: org: not an org name ([a-z0-9-]{1,32})'],
    [SITE.replace('mraiMs: 100', 'mraiMs: 100\nmraiMS: 5'), 'config error: mraiMS: unknown key'],
    [SITE.replace('org: rr, role: reflector', 'org: rr, role: reflector, weight: 3'), 'config error: neighbors[0].weight: unknown key'],
    [SITE.replace('role: peer', 'role: router'), "config error: role: not a role ('peer' | 'reflector')"],
    [SITE.replace('org: rr, role: reflector', 'org: rr, role: client'), "config error: neighbors[0].role: a peer cannot have 'client' neighbors (allowed: reflector, partner, site, site-reflector, site-client)"],
    [SITE.replace('org: rr, role: reflector', 'org: rr, role: site'), "config error: neighbors[0].org: a 'site' neighbor is another site of our org 'acme', not 'rr'"],
    [SITE.replace('org: acme\n', 'org: acme\nsite: EU\n'), 'config error: site: not a site id ([a-z0-9-]{1,32})'],
    [SITE.replace('org: acme\n', 'org: acme\nsite: eu\nsitePreference: { eu: 1 }\n'), 'config error: sitePreference.eu: our own site'],
    [SITE.replace('role: peer', 'role: reflector'), 'config error: cluster: required when role is reflector'],
    [SITE.replace('mraiMs: 100', 'mraiMs: 100\ncluster: c1'), 'config error: cluster: only a reflector has a cluster id (role is peer)'],
    [SITE.replace('listen: "127.0.0.1:7101"', 'listen: "0.0.0.0:7101"'), 'config error: api.token: required when api.listen is not a loopback address (0.0.0.0)'],
    [SITE.replace('capability: code-review/python', 'capability: code-review//python'), 'config error: agents[0].capability: not a capability'],
    [SITE.replace('interests: ["code-review"]', 'interests: ["Code"]'), 'config error: interests[0]: not a capability'],
    [SITE.replace('p50: 900', 'p50: 9000'), 'config error: agents[0].latencyMs.p95: p50 must not exceed p95'],
    [SITE.replace('listen: ["/ip4/127.0.0.1/tcp/4101"]', 'listen: ["127.0.0.1:4101"]'), 'config error: listen[0]: not a multiaddr'],
    [SITE.replace('holdTimeS: 90', 'holdTimeS: 2'), 'config error: holdTimeS: must be 0 (no hold timer) or at least 3'],
    [SITE.replace('reuse: 750', 'reuse: 7000'), 'config error: damping.reuse: (7000) must be below damping.suppress (6000)'],
    [SITE.replace('staleS: 300', 'staleS: 30'), 'config error: freshness.refreshS: (60) must be < staleS (30)'],
    [SITE.replace('org: acme\n', ''), 'config error: org: required'],
    [SITE.replace('costUsd: 0.4', 'costUsd: "0.4"'), 'config error: agents[0].costUsd: expected number, received string'],
    ['org: a\nrole: peer\ndataDir: d\napi: { token: short }\n', 'config error: api.token: too short'],
    ['org: a\nrole: peer\ndataDir: d\napi: { token: "sixteen chars and spaces" }\n', 'config error: api.token: must be visible ASCII (no spaces'],
    ['org: a\nrole: peer\ndataDir: d\napi: { token: "sixteen-chars-\u00e9\u00e9\u00e9\u00e9" }\n', 'config error: api.token: must be visible ASCII'],
    ['org: a\nrole: peer\ndataDir: d\napi: { token: "sixteen-chars-\u4e2d\u6587\u5b57\u7b26" }\n', 'config error: api.token: must be visible ASCII'],
    [SITE.replace('endpoint: "http://127.0.0.1:9001"', 'endpoint: "http://127.0.0.1:9001/a b"'), 'config error: agents[0].endpoint: not printable ASCII without spaces'],
    [SITE.replace('endpoint: "http://127.0.0.1:9001"', 'endpoint: "http://127.0.0.1:9001/\u00e9"'), 'config error: agents[0].endpoint: not printable ASCII without spaces'],
    ['org: a\nrole: peer\ndataDir: d\npolicy: { import: [{ action: accept, learnedFromRole: [partner] }] }\n',
      'config error: policy.import[0].learnedFromRole: export only'],
    ['org: a\nrole: peer\ndataDir: d\npolicy: { export: [{ action: drop }] }\n', "config error: policy.export[0].action: not an action ('accept' | 'reject')"],
    ['org: a\nrole: peer\ndataDir: d\nmemory: { namespaces: [{ id: n1, members: [a], writers: [b] }] }\n',
      "config error: memory.namespaces[0].writers[0]: 'b' is not a member of namespace 'n1'"],
    // The envelopes and sync messages refuse a namespace that does not start with [a-z0-9].
    ['org: a\nrole: peer\ndataDir: d\nmemory: { namespaces: [{ id: -notes, members: [a] }] }\n', 'config error: memory.namespaces[0].id: not a namespace id'],
    ['org: a\nrole: peer\ndataDir: d\ndiscovery: { federation: Big Fed }\n', 'config error: discovery.federation: not a federation name'],
    ['org: a\nrole: peer\ndataDir: d\npolicy: { export: [{ action: accept, localPref: 5 }] }\n', 'config error: policy.export[0].localPref: has no effect on export'],
    ['org: a\nrole: peer\ndataDir: d\nagents: [{ id: x, capability: a/b/c/d/e/f/g/h/i, endpoint: "http://h", costUsd: 1, latencyMs: { p50: 1, p95: 2 } }]\n',
      'config error: agents[0].capability: not a capability (lowercase [a-z0-9-] segments joined by \'/\', at most 8 segments of 32 characters, 128 in all): capability has 9 segments, max 8']
  ])('rejects a bad config with a named field (%#)', (text, message) => {
    const err = errorOf(text)
    expect(err).toBeInstanceOf(AtpError)
    expect(err.code).toBe('ERR_CONFIG')
    expect(err.message).toContain(message)
  })

  it('takes every namespace id the memory wire carries (one rule: kernel namespaceId)', () => {
    const c = parseConfig('org: a\nrole: peer\ndataDir: d\nmemory: { namespaces: [{ id: team.notes_v2, members: [a] }] }\n', 'site.yaml')
    expect(c.memory.namespaces.map((n) => n.id)).toEqual(['team.notes_v2'])
  })

  it('names duplicate neighbor peer ids and agent ids', () => {
    const dupNeighbor = SITE.replace('interests:', `  - { peer: "${RR}", org: rr, role: reflector }\ninterests:`)
    expect(errorOf(dupNeighbor).message).toContain(`config error: neighbors[1].peer: duplicate neighbor peer id '${RR}' (first at neighbors[0])`)
    const twoAgents = 'org: a\nrole: peer\ndataDir: d\nagents:\n' +
      '  - { id: x, capability: c, endpoint: "http://h", costUsd: 1, latencyMs: { p50: 1, p95: 2 } }\n'.repeat(2)
    const err = errorOf(twoAgents)
    expect(err.path).toBe('agents[1].id')
    expect(err.message).toContain("duplicate agent id 'x'")
  })

  it('reports every issue, with the first one as the error path', () => {
    const err = errorOf('org: A\nrole: x\ndataDir: d\n')
    expect(err.issues.map((i) => i.path)).toEqual(['org', 'role'])
    expect(err.path).toBe('org')
    expect(err.source).toBe('/etc/atp/site.yaml')
  })

  it('reports YAML syntax errors with line and column, and empty files', () => {
    expect(errorOf('org: [a\n').message).toMatch(/^config error: \/etc\/atp\/site\.yaml:\d+:\d+: invalid YAML/)
    expect(errorOf('org: a\norg: b\n').message).toContain('invalid YAML')
    // Parses, then fails to resolve: an alias to no anchor (found by the config fuzz property).
    expect(errorOf('*\u0000').message).toMatch(/^config error: .*invalid YAML: Unresolved alias/)
    expect(errorOf('').message).toContain('is empty')
    expect(errorOf('- 1\n').message).toContain('config error:')
  })

  it('warns about unreachable suppress limits and neighbors without addresses', () => {
    const text = `org: a\nrole: peer\ndataDir: d\ndamping: { halfLifeS: 900, maxSuppressS: 900 }\nneighbors: [{ peer: "${OTHER}", org: b, role: partner }]\n`
    const { warnings } = parseConfigWithWarnings(text, 'site.yaml')
    expect(warnings.some((w) => w.startsWith('config warning: damping: the suppress limit 6000 can never be reached'))).toBe(true)
    expect(warnings).toContain('config warning: neighbors[0].addrs: no addresses and no discovery: this neighbor can only dial us')
  })

  it('loadConfig resolves dataDir against the file folder and names unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atp-config-'))
    writeFileSync(join(dir, 'site.yaml'), 'org: a\nrole: peer\ndataDir: ./data\n')
    expect(loadConfig(join(dir, 'site.yaml')).dataDir).toBe(join(dir, 'data'))
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(/cannot read .*missing\.yaml \(ENOENT\)/)
  })

  it('accepts reflector configs with client and peer neighbors, policy and discovery', () => {
    const c = parseConfig(`org: rr\nrole: reflector\ncluster: c1\ndataDir: d\nneighbors:\n  - { peer: "${RR}", org: acme, role: client, maxRoutes: 10 }\n  - { peer: "${OTHER}", org: rr, role: peer, addrs: ["/ip4/127.0.0.1/tcp/4102"] }\n` +
      'policy:\n  export:\n    - { name: share-a, learnedFromRole: [partner], neighborRole: [partner], originOrg: [acme], action: accept, addTags: [from-a] }\n' +
      'discovery: { federation: demo, bootstrap: ["/ip4/127.0.0.1/tcp/4100"] }\n', 'rr.yaml')
    expect(c.policy.export[0]).toMatchObject({ name: 'share-a', action: 'accept', addTags: ['from-a'] })
    expect(c.discovery).toEqual({ federation: 'demo', bootstrap: ['/ip4/127.0.0.1/tcp/4100'] })
    const init = toSpeakerInit(c)
    expect(init).toMatchObject({ org: 'rr', role: 'reflector', cluster: 'c1', maxBackoffMs: 30_000, restartTimeS: 120, holdTimeS: 90, mraiMs: 100 })
    expect(init.neighbors).toEqual([{ peerId: RR, org: 'acme', role: 'client', maxRoutes: 10 }, { peerId: OTHER, org: 'rr', role: 'peer' }])
    expect(init.limits).toEqual(DAEMON_LIMITS)
  })

  it('toSpeakerInit of a peer has no cluster and converts the backoff to ms', () => {
    const c = parseConfig(SITE.replace('holdTimeS: 90', 'holdTimeS: 90\nreconnect: { maxBackoffS: 5 }'), 'site.yaml')
    const init = toSpeakerInit(c)
    expect('cluster' in init).toBe(false)
    expect(init.maxBackoffMs).toBe(5000)
    expect(init.interests).toEqual(['code-review'])
  })
})
