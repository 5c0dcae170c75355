/**
 * Field validators shared by the site config and the HTTP API: names, peer ids,
 * multiaddrs, listen addresses. Reasons are short sentences an operator can act on.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import {
  agentId as agentIdRule, capabilitySchema, clusterId as clusterIdRule, orgId, siteId as siteIdRule
} from '../../kernel/index.ts'

// The kernel's identifier rules (kernel/ids), under the names the config schemas use.
export const orgName = orgId.schema
/** A site of an org: the same grammar as org ids (the default site is the org id itself). */
export const siteId = siteIdRule.schema
export const clusterId = clusterIdRule.schema
export const agentId = agentIdRule.schema
export const capability = capabilitySchema

export function isEd25519PeerId (value: string): boolean {
  try {
    return peerIdFromString(value).type === 'Ed25519'
  } catch {
    return false
  }
}

export const peerId = z.string().refine(isEd25519PeerId, { error: 'not a peer id (expected 12D3KooW…)' })

export function isMultiaddr (value: string): boolean {
  try {
    multiaddr(value)
    return true
  } catch {
    return false
  }
}

export const multiaddrString = z.string().refine(isMultiaddr, { error: 'not a multiaddr (e.g. /ip4/127.0.0.1/tcp/4101)' })

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** 'host:port' or '[v6]:port' → { host, port }; undefined when malformed. */
export function parseListen (value: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '', port }
}

export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export const listenAddress = z.string().refine((v) => parseListen(v) !== undefined, {
  error: "not a listen address ('host:port', e.g. 127.0.0.1:7101)"
})

export const nonNegative = z.number().finite().nonnegative()
export const positive = z.number().finite().positive()
export const positiveInt = z.number().int().positive()
