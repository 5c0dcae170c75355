/**
 * Cross-reference checks the schema cannot express: every id an org, a link or an
 * event names must exist, sessions must exist for links and partitions, and crash /
 * restart must alternate per node. Returns every problem, each naming its field path.
 */
import type { OrgSpec, ReflectorSpec, ScenarioEvent } from './schema.ts'
import { linkKey } from './model.ts'

export interface ValidationInput {
  readonly reflectors: readonly ReflectorSpec[]
  readonly orgs: readonly OrgSpec[]
  readonly links: readonly { readonly a: string, readonly b: string }[]
  readonly events: readonly ScenarioEvent[]
}

/** Sessions (linkKey) the topology defines, from reflector peers, org reflectors and partners. */
export function sessionKeys (input: Pick<ValidationInput, 'reflectors' | 'orgs'>): Set<string> {
  const keys = new Set<string>()
  for (const r of input.reflectors) for (const p of r.peers) keys.add(linkKey(r.id, p))
  for (const o of input.orgs) {
    for (const r of o.reflectors) keys.add(linkKey(o.id, r))
    for (const p of o.partners) keys.add(linkKey(o.id, p))
    for (const s of o.sites) keys.add(linkKey(o.id, s))
  }
  return keys
}

export function validateReferences (input: ValidationInput): string[] {
  const problems: string[] = []
  const reflectorIds = new Set(input.reflectors.map((r) => r.id))
  const orgs = new Map<string, OrgSpec>()
  const seen = new Set<string>()
  const unique = (id: string, where: string): void => {
    if (seen.has(id)) problems.push(`${where}: duplicate node id "${id}" (org and reflector ids share one namespace)`)
    seen.add(id)
  }
  input.reflectors.forEach((r, i) => {
    unique(r.id, `reflectors[${i}].id`)
    r.peers.forEach((p, j) => {
      if (!reflectorIds.has(p)) problems.push(`reflectors[${i}].peers[${j}]: unknown reflector "${p}"`)
      else if (p === r.id) problems.push(`reflectors[${i}].peers[${j}]: a reflector cannot peer with itself`)
    })
  })
  input.orgs.forEach((o, i) => { unique(o.id, `orgs[${i}].id`); orgs.set(o.id, o) })
  input.orgs.forEach((o, i) => {
    o.reflectors.forEach((r, j) => {
      if (!reflectorIds.has(r)) problems.push(`orgs[${i}].reflectors[${j}]: unknown reflector "${r}"`)
    })
    o.partners.forEach((p, j) => {
      if (!orgs.has(p)) problems.push(`orgs[${i}].partners[${j}]: unknown org "${p}"`)
      else if (p === o.id) problems.push(`orgs[${i}].partners[${j}]: an org cannot partner with itself`)
    })
    o.sites.forEach((s, j) => {
      const other = orgs.get(s)
      if (other === undefined) problems.push(`orgs[${i}].sites[${j}]: unknown org node "${s}"`)
      else if (s === o.id) problems.push(`orgs[${i}].sites[${j}]: a site cannot have a session with itself`)
      else if ((other.org ?? other.id) !== (o.org ?? o.id)) problems.push(`orgs[${i}].sites[${j}]: "${s}" is a site of another org`)
    })
    const agentIds = new Set<string>()
    o.agents.forEach((a, j) => {
      if (agentIds.has(a.id)) problems.push(`orgs[${i}].agents[${j}].id: duplicate agent id "${a.id}" in org "${o.id}"`)
      agentIds.add(a.id)
    })
  })
  problems.push(...siteProblems(input.orgs))
  const sessions = sessionKeys(input)
  const isNode = (id: string): boolean => reflectorIds.has(id) || orgs.has(id)
  const checkPair = (a: string, b: string, where: string): void => {
    if (!isNode(a)) problems.push(`${where}.a: unknown node "${a}"`)
    if (!isNode(b)) problems.push(`${where}.b: unknown node "${b}"`)
    if (isNode(a) && isNode(b) && !sessions.has(linkKey(a, b))) {
      problems.push(`${where}: no session between "${a}" and "${b}" (sessions come from reflectors, partners and peers)`)
    }
  }
  input.links.forEach((l, i) => checkPair(l.a, l.b, `links[${i}]`))
  const down = new Set<string>()
  // Crash/restart alternate in time order; equal times keep file order, as the engine does.
  const ordered = input.events.map((e, i) => ({ e, i })).sort((x, y) => x.e.atS - y.e.atS || x.i - y.i)
  for (const { e, i } of ordered) {
    const where = `events[${i}]`
    switch (e.type) {
      case 'withdraw': case 'announce': case 'update': {
        const org = orgs.get(e.org)
        if (org === undefined) problems.push(`${where}.org: unknown org "${e.org}"`)
        else if (!org.agents.some((a) => a.id === e.agent)) problems.push(`${where}.agent: unknown agent "${e.agent}" of org "${e.org}"`)
        break
      }
      case 'partition': case 'heal':
        checkPair(e.a, e.b, where)
        break
      case 'crash': case 'restart':
        if (!isNode(e.node)) { problems.push(`${where}.node: unknown node "${e.node}"`); break }
        if (e.type === 'crash' && down.has(e.node)) problems.push(`${where}: crash of "${e.node}", which is already down`)
        if (e.type === 'restart' && !down.has(e.node)) problems.push(`${where}: restart of "${e.node}", which is not down`)
        if (e.type === 'crash') down.add(e.node)
        else down.delete(e.node)
        break
    }
  }
  return problems
}

/** Two nodes of one org on one site would drop each other's routes as their own. */
function siteProblems (orgs: readonly OrgSpec[]): string[] {
  const problems: string[] = []
  const seen = new Map<string, number>()
  orgs.forEach((o, i) => {
    const org = o.org ?? o.id
    const key = `${org}/${o.site ?? org}`
    const first = seen.get(key)
    if (first !== undefined) problems.push(`orgs[${i}].site: org "${org}" already has site "${o.site ?? org}" (orgs[${first}]); give each node of an org its own site`)
    else seen.set(key, i)
  })
  return problems
}
