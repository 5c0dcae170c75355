/**
 * Origin signatures with the daemon's real ed25519 adapters (daemon/identity/keys.ts:
 * createEd25519Signer / createEd25519Verifier over node:crypto): sign, verify (key
 * cache warm, the steady state of a session), verify with a cold key cache (a new
 * origin: peer id parsed and a KeyObject built), verifyRoute (agp/route/originate.ts)
 * and originateRoute (canonical encoding + sign); then batch signatures with
 * node:crypto's SHA-256 (createNodeHasher): a route of a 64-route batch checked at a
 * hop (audit path + a 1/64 share of the root's ed25519 check; then with the verified node
 * cache, about two hashes) and signed at the origin.
 */
import {
  checkOriginSignature, ORIGIN_BATCH_ROUTES, originateRoute, prepareOrigination, signOriginationBatch, verifyRoute, VerifiedNodeCache,
  VerifiedRootCache
} from '../agp/index.ts'
import { createEd25519Verifier, createNodeHasher } from '../daemon/identity/keys.ts'
import { measure, sig } from './lib/measure.ts'
import { benchAgent, ed25519Identity, originateMany } from './lib/routes.ts'

const ROUTES = 256
const ORIGINS = 64

export default async function (): Promise<Record<string, unknown>> {
  const id = await ed25519Identity()
  const routes = originateMany(ROUTES, { org: 'acme', signer: id.signer })
  const verifier = createEd25519Verifier()
  for (const r of routes) {
    if (!verifyRoute(r, verifier)) throw new Error('signature bench: a freshly signed route does not verify')
  }
  const tampered = { ...routes[0]!, signature: routes[0]!.signature.map((b, i) => i === 0 ? b ^ 1 : b) }
  if (verifyRoute(tampered, verifier)) throw new Error('signature bench: a tampered signature verifies')

  const at = (i: number) => routes[i % ROUTES]!
  const sign = measure((i) => id.signer.sign(at(i).attrsBytes), { batch: 16 })
  const verify = measure((i) => { const r = at(i); return verifier.verify(r.attrs.originPeerId, r.attrsBytes, r.signature) }, { batch: 16 })
  const vRoute = measure((i) => verifyRoute(at(i), verifier), { batch: 16 })
  const agents = routes.map((_, i) => benchAgent(i, `svc-${i}/model`))
  const originate = measure((i) => originateRoute(agents[i % ROUTES]!, { org: 'acme', signer: id.signer, originSeq: i + 1, nowMs: 1_000_000 }), { batch: 16 })

  // Cold cache: a verifier that holds one key, cycling through 64 origins: every call parses a peer id.
  const origins = await Promise.all(Array.from({ length: ORIGINS }, async () => await ed25519Identity()))
  const coldRoutes = origins.map((o, i) => originateMany(1, { org: `org-${i}`, signer: o.signer })[0]!)
  const tiny = createEd25519Verifier({ maxCachedKeys: 1 })
  const cold = measure((i) => verifyRoute(coldRoutes[i % ORIGINS]!, tiny), { batch: 16 })

  const hasher = createNodeHasher()
  const prepared = agents.map((a, i) => prepareOrigination(a, { org: 'acme', originPeerId: id.signer.peerId, originSeq: i + 1, nowMs: 1_000_000 }))
  const batched = signOriginationBatch('acme', prepared, id.signer, hasher)
  // A fresh root cache every ROUTES routes: each batch's root is checked once, as at a hop.
  let check = { verifier, hasher, roots: new VerifiedRootCache() }
  const vBatched = measure((i) => {
    if (i % ROUTES === 0) check = { verifier, hasher, roots: new VerifiedRootCache() }
    if (checkOriginSignature(batched[i % ROUTES]!, check) !== undefined) throw new Error('signature bench: a batched route does not verify')
  }, { batch: 16 })
  // The same with the cache of verified tree nodes a speaker keeps: about two hashes per route.
  let cached = { verifier, hasher, roots: new VerifiedRootCache(), nodes: new VerifiedNodeCache() }
  const vCached = measure((i) => {
    if (i % ROUTES === 0) cached = { verifier, hasher, roots: new VerifiedRootCache(), nodes: new VerifiedNodeCache() }
    if (checkOriginSignature(batched[i % ROUTES]!, cached) !== undefined) throw new Error('signature bench: a batched route does not verify')
  }, { batch: 16 })
  const signBatch = measure(() => signOriginationBatch('acme', prepared.slice(0, ORIGIN_BATCH_ROUTES), id.signer, hasher), { batch: 1 })

  return {
    attrsBytes: routes[0]!.attrsBytes.length,
    signsPerS: sig(sign.perS),
    signUs: sig(1e6 / sign.perS),
    verifiesPerS: sig(verify.perS),
    verifyUs: sig(1e6 / verify.perS),
    verifyRoutePerS: sig(vRoute.perS),
    verifyRouteColdKeyPerS: sig(cold.perS),
    originateRoutePerS: sig(originate.perS),
    batchRoutes: ORIGIN_BATCH_ROUTES,
    verifyBatchedRoutePerS: sig(vBatched.perS),
    verifyBatchedRouteUs: sig(1e6 / vBatched.perS),
    verifyBatchedRouteNodeCacheUs: sig(1e6 / vCached.perS),
    signBatchedRoutePerS: sig(signBatch.perS * ORIGIN_BATCH_ROUTES)
  }
}
