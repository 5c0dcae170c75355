/**
 * Rules across fields of a schema-valid site config. Errors stop the daemon at start;
 * warnings are logged (a config that runs but probably does not do what was meant).
 */
import { isInternalRole } from '../../agp/index.ts'
import type { ConfigIssue } from './config-error.ts'
import { checkWithCore } from './core-checks.ts'
import type { SiteConfig } from './schema.ts'
import { isLoopbackHost, parseListen } from './schema-common.ts'

export interface CheckResult {
  readonly errors: ConfigIssue[]
  readonly warnings: ConfigIssue[]
}

/** Which neighbor roles each own role may have (see docs/configuration.md, RFC 4456). */
export const ALLOWED_NEIGHBOR_ROLES = {
  // A peer is a client of reflectors and may federate directly with partners; it
  // reflects for nobody, so it has no clients and no non-client reflector peers.
  // Its org's other sites too: full mesh (site) or the org's own reflection
  // (site-reflector / site-client, RFC 4456 within the org).
  peer: ['reflector', 'partner', 'site', 'site-reflector', 'site-client'],
  // A reflector may itself be a client of a higher reflector (hierarchical RR).
  reflector: ['client', 'peer', 'reflector', 'partner']
} as const

export function checkConfig (config: SiteConfig): CheckResult {
  const errors: ConfigIssue[] = []
  const warnings: ConfigIssue[] = []
  checkRole(config, errors)
  checkApi(config, errors)
  checkNeighbors(config, errors, warnings)
  checkSites(config, errors)
  checkDuplicates(config.agents.map((a) => a.id), 'agents', 'id', 'duplicate agent id', errors)
  checkMemory(config, errors)
  const core = checkWithCore(config)
  errors.push(...core.errors)
  warnings.push(...core.warnings)
  return { errors, warnings }
}

function checkRole (config: SiteConfig, errors: ConfigIssue[]): void {
  if (config.role === 'reflector' && config.cluster === undefined) {
    errors.push({ path: 'cluster', reason: 'required when role is reflector' })
  }
  if (config.role === 'peer' && config.cluster !== undefined) {
    errors.push({ path: 'cluster', reason: 'only a reflector has a cluster id (role is peer)' })
  }
}

function checkApi (config: SiteConfig, errors: ConfigIssue[]): void {
  const listen = parseListen(config.api.listen)
  if (listen !== undefined && !isLoopbackHost(listen.host) && config.api.token === null) {
    errors.push({ path: 'api.token', reason: `required when api.listen is not a loopback address (${listen.host})` })
  }
}

function checkNeighbors (config: SiteConfig, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  const allowed: readonly string[] = ALLOWED_NEIGHBOR_ROLES[config.role]
  config.neighbors.forEach((n, i) => {
    if (!allowed.includes(n.role)) {
      errors.push({
        path: `neighbors[${i}].role`,
        reason: `a ${config.role} cannot have '${n.role}' neighbors (allowed: ${allowed.join(', ')})`
      })
    }
    if (isInternalRole(n.role) && n.org !== config.org) {
      errors.push({ path: `neighbors[${i}].org`, reason: `a '${n.role}' neighbor is another site of our org '${config.org}', not '${n.org}'` })
    }
    // A reflector waits for its clients to dial (docs/architecture.md), so a client
    // without addresses is the normal case, not a mistake.
    if (n.addrs.length === 0 && config.discovery === undefined && n.role !== 'client') {
      warnings.push({ path: `neighbors[${i}].addrs`, reason: 'no addresses and no discovery: this neighbor can only dial us' })
    }
  })
  checkDuplicates(config.neighbors.map((n) => n.peer), 'neighbors', 'peer', 'duplicate neighbor peer id', errors)
}

function checkSites (config: SiteConfig, errors: ConfigIssue[]): void {
  const site = config.site ?? config.org
  if (config.sitePreference !== undefined && Object.hasOwn(config.sitePreference, site)) {
    errors.push({ path: `sitePreference.${site}`, reason: 'our own site: its agents always come first (cost 0)' })
  }
}

function checkDuplicates (values: readonly string[], list: string, field: string, reason: string, errors: ConfigIssue[]): void {
  const seen = new Map<string, number>()
  values.forEach((v, i) => {
    const first = seen.get(v)
    if (first === undefined) seen.set(v, i)
    else errors.push({ path: `${list}[${i}].${field}`, reason: `${reason} '${v}' (first at ${list}[${first}])` })
  })
}

function checkMemory (config: SiteConfig, errors: ConfigIssue[]): void {
  checkDuplicates(config.memory.namespaces.map((n) => n.id), 'memory.namespaces', 'id', 'duplicate namespace id', errors)
  config.memory.namespaces.forEach((ns, i) => {
    ns.writers.forEach((w, j) => {
      if (!ns.members.includes(w)) {
        errors.push({ path: `memory.namespaces[${i}].writers[${j}]`, reason: `'${w}' is not a member of namespace '${ns.id}'` })
      }
    })
  })
}
