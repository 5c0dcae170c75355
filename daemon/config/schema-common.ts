/**
 * Field validators shared by the site config and the HTTP API: names, peer ids,
 * multiaddrs, listen addresses. Reasons are short sentences an operator can act on.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { capabilityReason, isCapability } from './capability-check.ts'

/** Org, cluster, agent and namespace ids: they appear in path keys, so no '/'. */
export const NAME_PATTERN = /^[a-z0-9-]{1,32}$/
export const AGENT_ID_PATTERN = /^[a-z0-9-]{1,64}$/

export const orgName = z.string().regex(NAME_PATTERN, { error: 'not an org name ([a-z0-9-]{1,32})' })
/** A site of an org: the same grammar as org ids (the default site is the org id itself). */
export const siteId = z.string().regex(NAME_PATTERN, { error: 'not a site id ([a-z0-9-]{1,32})' })
export const clusterId = z.string().regex(NAME_PATTERN, { error: 'not a cluster id ([a-z0-9-]{1,32})' })
export const agentId = z.string().regex(AGENT_ID_PATTERN, { error: 'not an agent id ([a-z0-9-]{1,64})' })

export const capability = z.string().refine(isCapability, { error: (issue) => capabilityReason(issue.input) })

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
