/**
 * Topology loading: YAML text → schema → generated nodes merged → references
 * validated → the resolved SimTopology the engine runs. Every failure is one
 * TopologyError listing each problem with its field path.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import {
  type DampingParams, DEFAULT_DAMPING, DEFAULT_FRESHNESS, DEFAULT_HOLD_TIME_S, DEFAULT_WINDOW_PARAMS
} from '../../agp/index.ts'
import type { LocalAgent, NeighborConfig } from '../../reflector/index.ts'
import { TopologyError } from './errors.ts'
import { generateFederation } from './generate.ts'
import { linkKey, type SimLinkSpec, type SimNodeSpec, type SimParams, type SimService, type SimTasks, type SimTopology } from './model.ts'
import { topologySchema, type AgentSpec, type DampingSpec, type OrgSpec, type TasksSpec, type TopologyFile } from './schema.ts'
import { validateReferences } from './validate.ts'
import { resolveMemory, validateMemory, type NodeDirectory, type NodeEntry } from './memory-spec.ts'

export function loadTopologyFile (path: string): SimTopology {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new TopologyError(path, [`cannot read: ${(err as Error).message}`])
  }
  return parseTopology(text, path)
}

export function parseTopology (text: string, source = '<topology>'): SimTopology {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (err) {
    throw new TopologyError(source, [`YAML: ${(err as Error).message}`])
  }
  return resolveTopology(raw, source)
}

/** Validates a parsed document (e.g. from YAML or JSON) and resolves it. */
export function resolveTopology (raw: unknown, source = '<topology>'): SimTopology {
  const parsed = topologySchema.safeParse(raw)
  if (!parsed.success) throw new TopologyError(source, parsed.error.issues.map(formatIssue))
  const file: TopologyFile = parsed.data
  const generated = file.generate !== undefined ? generateFederation(file.generate, file.seed) : { reflectors: [], orgs: [] }
  const reflectors = [...file.reflectors, ...generated.reflectors]
  const orgs = [...file.orgs, ...generated.orgs]
  const problems = validateReferences({ reflectors, orgs, links: file.links, events: file.events })
  if (file.tasks !== undefined) problems.push(...validateTasks(file.tasks, orgs, file.durationS))
  if (file.memory !== undefined) {
    const directory: NodeDirectory = new Map([
      ...reflectors.map((r): [string, NodeEntry] => [r.id, { kind: 'reflector', org: r.id }]),
      ...orgs.map((o): [string, NodeEntry] => [o.id, { kind: 'org', org: o.org ?? o.id }])
    ])
    problems.push(...validateMemory(file.memory, directory, file.durationS))
  }
  if (problems.length > 0) throw new TopologyError(source, problems)

  const params = resolveParams(file)
  const neighbors = new Map<string, NeighborConfig[]>()
  const orgOf = new Map(orgs.map((o) => [o.id, o.org ?? o.id]))
  const addSession = (a: string, b: string, roleOfBAtA: NeighborConfig['role'], roleOfAAtB: NeighborConfig['role']): void => {
    const atA = neighbors.get(a) ?? []
    if (atA.some((n) => n.peerId === b)) return // declared from both ends
    atA.push({ peerId: b, org: orgOf.get(b) ?? b, role: roleOfBAtA })
    neighbors.set(a, atA)
    const atB = neighbors.get(b) ?? []
    atB.push({ peerId: a, org: orgOf.get(a) ?? a, role: roleOfAAtB })
    neighbors.set(b, atB)
  }
  const links = new Map<string, SimLinkSpec>()
  const addLink = (a: string, b: string): void => {
    const key = linkKey(a, b)
    if (!links.has(key)) links.set(key, { a, b, delayMs: params.linkDelayMs, loss: 0 })
  }
  for (const r of reflectors) for (const p of r.peers) { addSession(r.id, p, 'peer', 'peer'); addLink(r.id, p) }
  for (const o of orgs) {
    for (const r of o.reflectors) { addSession(o.id, r, 'reflector', 'client'); addLink(o.id, r) }
    for (const p of o.partners) { addSession(o.id, p, 'partner', 'partner'); addLink(o.id, p) }
    for (const s of o.sites) { addSession(o.id, s, 'site', 'site'); addLink(o.id, s) }
  }
  for (const l of file.links) {
    const key = linkKey(l.a, l.b)
    const base = links.get(key)
    if (base !== undefined) links.set(key, { ...base, delayMs: l.delayMs ?? base.delayMs, loss: l.loss ?? base.loss })
  }
  const nodes: SimNodeSpec[] = [
    ...reflectors.map((r): SimNodeSpec => ({ id: r.id, kind: 'reflector', cluster: r.cluster, interests: [], agents: [], neighbors: neighbors.get(r.id) ?? [] })),
    ...orgs.map((o): SimNodeSpec => ({
      id: o.id,
      kind: 'org',
      ...(o.org !== undefined ? { org: o.org } : {}),
      ...(o.site !== undefined ? { site: o.site } : {}),
      interests: o.interests, agents: o.agents.map((a) => toLocalAgent(o.org ?? o.id, a)), neighbors: neighbors.get(o.id) ?? []
    }))
  ]
  const events = file.events.map((e, index) => ({ ...e, index })).sort((x, y) => x.atS - y.atS || x.index - y.index)
  const tasks = file.tasks !== undefined ? resolveTasks(file.tasks, orgs, file.durationS) : undefined
  const memory = file.memory !== undefined ? resolveMemory(file.memory, file.durationS) : undefined
  return { seed: file.seed, durationS: file.durationS, params, nodes, links, events, ...(tasks !== undefined ? { tasks } : {}), ...(memory !== undefined ? { memory } : {}) }
}

function validateTasks (spec: TasksSpec, orgs: readonly OrgSpec[], durationS: number): string[] {
  const ids = new Set(orgs.map((o) => o.id))
  const problems: string[] = []
  spec.consumers.forEach((c, i) => {
    if (!ids.has(c.org)) problems.push(`tasks.consumers[${i}].org: unknown org "${c.org}"`)
    if (c.toS !== undefined && c.toS <= c.fromS) problems.push(`tasks.consumers[${i}].toS: must be after fromS`)
    if (c.fromS >= durationS) problems.push(`tasks.consumers[${i}].fromS: at or after the end of the run (${durationS} s)`)
  })
  const w = { ...DEFAULT_WINDOW_PARAMS, ...spec.windows }
  if (w.initialTasks > w.maxTasks) problems.push(`tasks.windows.initialTasks: must not exceed ${w.maxTasks}`)
  return problems
}

function resolveTasks (spec: TasksSpec, orgs: readonly OrgSpec[], durationS: number): SimTasks {
  const services = new Map<string, SimService>()
  const limits = new Map<string, NonNullable<AgentSpec['limits']>>()
  for (const o of orgs) {
    for (const a of o.agents) {
      const key = `${o.id}/${a.id}`
      if (a.service !== undefined) services.set(key, { capacity: a.service.capacity, serviceMs: a.service.serviceMs, queue: a.service.queue ?? 4 * a.service.capacity })
      if (a.limits !== undefined) limits.set(key, a.limits)
    }
  }
  return {
    ...(spec.sloMs !== undefined ? { sloMs: spec.sloMs } : {}),
    timeoutMs: spec.timeoutMs,
    attempts: spec.attempts,
    windows: { ...DEFAULT_WINDOW_PARAMS, ...spec.windows, ...(spec.sloMs !== undefined ? { sloMs: spec.sloMs } : {}) },
    consumers: spec.consumers.map((c) => ({
      org: c.org,
      capability: c.capability,
      ratePerS: c.ratePerS,
      messageBytes: c.messageBytes,
      fromMs: Math.round(c.fromS * 1000),
      toMs: Math.round((c.toS ?? durationS) * 1000),
      budgets: c.budgets
    })),
    services,
    limits
  }
}

export function toLocalAgent (org: string, a: AgentSpec): LocalAgent {
  return {
    id: a.id,
    capability: a.capability,
    endpoint: `sim://${org}/${a.id}`,
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region ?? 'global',
    tags: a.tags ?? []
  }
}

function resolveParams (file: TopologyFile): SimParams {
  const d = file.defaults
  return {
    linkDelayMs: d.linkDelayMs ?? 10,
    mraiMs: d.mraiMs ?? 0,
    jitterMs: d.jitterMs ?? 0,
    holdTimeS: d.holdTimeS ?? DEFAULT_HOLD_TIME_S,
    damping: resolveDamping(d.damping),
    dampingEnabled: d.damping !== false,
    freshness: { ...DEFAULT_FRESHNESS, ...d.freshness },
    wire: d.wire ?? false
  }
}

function resolveDamping (spec: DampingSpec | undefined): DampingParams {
  // Off = no penalty is ever added, so nothing is ever suppressed; the engine code is unchanged.
  if (spec === false) return { ...DEFAULT_DAMPING, withdrawPenalty: 0, changePenalty: 0, readvertisePenalty: 0 }
  if (spec === undefined) return DEFAULT_DAMPING
  return { ...DEFAULT_DAMPING, ...spec, hysteresis: { ...DEFAULT_DAMPING.hysteresis, ...spec.hysteresis } }
}

function formatIssue (issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path)
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${path === '' ? k : `${path}.${k}`}: unknown key`).join('\n  ')
  }
  return `${path === '' ? '(top level)' : path}: ${issue.message}`
}

function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`
  return out
}
