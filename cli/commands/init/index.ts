/**
 * `atp init [--org O] [--role peer|reflector] [--data-dir D] [--config FILE]`: a new
 * site — the node key in the data dir and a commented site config that `atpd --check`
 * accepts — and the peer id to share with partners. Never overwrites a config.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { relative, resolve, dirname } from 'node:path'
import { Command } from 'commander'
import type { CliIo } from '../../context.ts'
import { UsageError } from '../../errors.ts'

interface InitOptions { org: string, role: string, dataDir: string, out: string }

export function siteConfigText (o: { org: string, role: 'peer' | 'reflector', dataDir: string, peerId: string }): string {
  return `# atpd site config for ${o.org} (peer id ${o.peerId}).
# Check it with \`atpd --check --config <this file>\`; every key: docs/configuration.md.
org: ${o.org}
role: ${o.role}
${o.role === 'reflector' ? `# Route reflectors of one cluster share this id (RFC 4456).\ncluster: ${o.org}-rr\n` : ''}# The node key (identity.key) and the store live here; relative to this file.
dataDir: ${o.dataDir}
# libp2p listen addresses: partners dial these.
listen: ["/ip4/127.0.0.1/tcp/4001"]
api:
  # The HTTP API and looking glass. A non-loopback address needs a token (16+ chars).
  listen: "127.0.0.1:7101"
  # token: "change-me-to-a-long-random-string"
# Sessions: one entry per neighbor, with the peer id it printed at its own \`atp init\`.
neighbors: []
#  - { peer: "12D3KooW...", addrs: ["/ip4/192.0.2.10/tcp/4001"], org: partner-org, role: ${o.role === 'reflector' ? 'client' : 'reflector'} }
# Capability prefixes to receive ([] = everything).
interests: []
# Local agents advertised as routes.
agents: []
#  - id: reviewer-1
#    capability: code-review/python
#    endpoint: "http://127.0.0.1:9001"
#    costUsd: 0.4
#    latencyMs: { p50: 900, p95: 2000 }
`
}

export function initCommand (io: CliIo): Command {
  return new Command('init')
    .description('create a site: the node key and a commented site config; prints the peer id to share')
    .requiredOption('--org <org>', 'this organization\'s id ([a-z0-9-]{1,32})')
    .option('--role <role>', 'peer or reflector', 'peer')
    .option('--data-dir <dir>', 'where the key and the store go', './data')
    .option('--out <file>', 'the config file to write', './site.yaml')
    .action(async (opts: InitOptions, cmd: Command) => {
      if (opts.role !== 'peer' && opts.role !== 'reflector') throw new UsageError(`--role must be peer or reflector, got "${opts.role}"`)
      if (!/^[a-z0-9-]{1,32}$/.test(opts.org)) throw new UsageError(`--org "${opts.org}" is not an org id ([a-z0-9-]{1,32})`)
      const out = resolve(opts.out)
      if (existsSync(out)) throw new UsageError(`${opts.out} exists; not overwritten (choose another --out)`)
      const { loadOrCreateIdentity } = await import('../../../daemon/identity/identity.ts')
      const id = await loadOrCreateIdentity(resolve(opts.dataDir))
      const dataDir = relative(dirname(out), resolve(opts.dataDir)) || '.'
      const text = siteConfigText({ org: opts.org, role: opts.role, dataDir: dataDir.startsWith('.') || dataDir.startsWith('/') ? dataDir : `./${dataDir}`, peerId: id.peerId })
      const { parseConfig } = await import('../../../daemon/config/load.ts')
      parseConfig(text, out) // what atpd will read: refuse to write a config it would refuse
      writeFileSync(out, text, { flag: 'wx' })
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        io.out(`${JSON.stringify({ peerId: id.peerId, config: out, key: id.path, createdKey: id.created }, null, 2)}\n`)
      } else {
        io.out(`${id.peerId}\n`)
        io.err(`${id.created ? 'created' : 'existing'} key ${id.path}; wrote ${opts.out}. Share the peer id above with your partners; start with: atpd --config ${opts.out}\n`)
      }
    })
}
