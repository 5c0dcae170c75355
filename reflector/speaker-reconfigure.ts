/**
 * A live config change (BIRD's `configure`): new import/export policy and damping
 * parameters, without dropping a session. Identity, role and cluster are fixed for the
 * life of a Speaker; the neighbor list changes through speaker-neighbors.ts.
 *
 * Policy: every route held in an Adj-RIB-In passes the new import policy again (the
 * Loc-RIB gains or loses copies), then each established neighbor gets a soft reset
 * out. Damping: the parameters apply from the next penalty on; penalties already
 * recorded keep their value.
 */
import type { DampingParams, PolicyConfig } from '../agp/index.ts'
import { reexport, settle } from './speaker-export.ts'
import { reimportAll } from './speaker-admission.ts'
import type { SpeakerState } from './speaker-state.ts'

export function reconfigure (st: SpeakerState, policy: PolicyConfig, damping: DampingParams): void {
  const policyChanged = JSON.stringify(st.init.policy) !== JSON.stringify(policy)
  st.init = { ...st.init, policy, damping }
  if (!policyChanged || !st.started) return
  for (const n of st.neighbors.values()) reimportAll(st, n)
  settle(st)
  for (const n of st.neighbors.values()) {
    if (n.session.state === 'established') reexport(st, n)
  }
}
