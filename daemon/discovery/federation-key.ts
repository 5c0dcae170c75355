/**
 * The DHT key under which a federation's reflectors announce themselves: a CIDv1 (raw)
 * of sha256("/atp/federation/<name>"). Provider records on this key say "I reflect for
 * federation <name>"; every member computes the same key from the name alone.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

export async function federationKey (federation: string): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`/atp/federation/${federation}`))
  return CID.createV1(raw.code, digest)
}
