/**
 * One atpd site config per topology node, as `atp federation up` renders its
 * templates: an identity per node in its own data dir (made first, so every config
 * can name its neighbors' peer ids), free loopback ports for libp2p and the API, and
 * the topology's routing parameters. Each config is validated exactly as atpd will
 * (daemon/config parseConfig); a config atpd would reject is a refusal naming it.
 *
 * Agents are not in the configs: atpd re-applies config agents at every start, which
 * would undo a scenario `withdraw` across a crash/restart. They are registered
 * through PUT /v1/agents instead, and then live in the daemon's store, as in the
 * simulator (whose restart resumes from the Speaker's snapshot).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalAgent } from '../../reflector/index.ts'
import type { RenderedSite } from '../../daemon/launcher/templates.ts'
import { parseConfig } from '../../daemon/config/load.ts'
import { loadOrCreateIdentity } from '../../daemon/identity/identity.ts'
import type { SimNodeSpec, SimTopology } from '../topology/model.ts'
import { EmulationRefusedError } from './errors.ts'
import { freeLoopbackPorts } from '../../daemon/launcher/free-ports.ts'

/** Short, so sessions come up quickly while daemons start one after another. */
const MAX_BACKOFF_S = 1
/** As the simulator gives every Speaker (simulations/engine/simulator.ts). */
const RESTART_TIME_S = 120

export interface EmulatedSite {
  readonly node: SimNodeSpec
  readonly rendered: RenderedSite
  readonly configPath: string
  readonly apiUrl: string
}

export async function buildSiteConfigs (topology: SimTopology, stateDir: string): Promise<EmulatedSite[]> {
  const ports = await freeLoopbackPorts(topology.nodes.length * 2)
  const addr = new Map<string, { peerId: string, created: boolean, dataDir: string, p2p: string, apiPort: number }>()
  for (const [i, node] of topology.nodes.entries()) {
    const dataDir = join(stateDir, node.id, 'data')
    await mkdir(dataDir, { recursive: true })
    const id = await loadOrCreateIdentity(dataDir)
    addr.set(node.id, {
      peerId: id.peerId, created: id.created, dataDir, p2p: `/ip4/127.0.0.1/tcp/${ports[2 * i] ?? 0}`, apiPort: ports[2 * i + 1] ?? 0
    })
  }
  const p = topology.params
  const sites: EmulatedSite[] = []
  for (const node of topology.nodes) {
    const own = addr.get(node.id)
    if (own === undefined) throw new Error(`no address for ${node.id}`)
    const config = {
      org: node.id,
      role: node.kind === 'reflector' ? 'reflector' : 'peer',
      ...(node.cluster !== undefined ? { cluster: node.cluster } : {}),
      dataDir: own.dataDir,
      listen: [own.p2p],
      api: { listen: `127.0.0.1:${own.apiPort}` },
      neighbors: node.neighbors.map((n) => {
        const peer = addr.get(n.peerId)
        if (peer === undefined) throw new Error(`no address for neighbor ${n.peerId}`)
        return { peer: peer.peerId, addrs: [peer.p2p], org: n.org, role: n.role }
      }),
      interests: [...node.interests],
      damping: p.damping,
      freshness: p.freshness,
      mraiMs: Math.round(p.mraiMs),
      holdTimeS: p.holdTimeS,
      restartTimeS: RESTART_TIME_S,
      reconnect: { maxBackoffS: MAX_BACKOFF_S },
      log: { level: 'info' }
    }
    // YAML is a superset of JSON: the config file is plain JSON.
    const yaml = JSON.stringify(config, null, 2) + '\n'
    const configPath = join(stateDir, `${node.id}.yaml`)
    let parsed
    try {
      parsed = parseConfig(yaml, configPath)
    } catch (err) {
      throw new EmulationRefusedError(`cannot emulate this topology: the atpd config of ${node.id} would be invalid: ${(err as Error).message}`)
    }
    await writeFile(configPath, yaml)
    sites.push({
      node,
      rendered: { site: node.id, peerId: own.peerId, created: own.created, yaml, config: parsed },
      configPath,
      apiUrl: `http://127.0.0.1:${own.apiPort}`
    })
  }
  return sites
}

/** The body of PUT /v1/agents/:id for a topology agent (the simulator's endpoint is sim://). */
export function agentBody (org: string, agent: LocalAgent): Record<string, unknown> {
  return {
    capability: agent.capability,
    endpoint: `http://127.0.0.1/emulated/${org}/${agent.id}`,
    costUsd: agent.costUsd,
    latencyMs: { p50: agent.latencyMs.p50, p95: agent.latencyMs.p95 },
    winRate: { wins: agent.winRate.wins, trials: agent.winRate.trials },
    region: agent.region,
    tags: [...agent.tags]
  }
}
