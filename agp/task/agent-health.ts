/**
 * Health of a local agent from its card probes, with hysteresis: one failed probe is
 * not a flap. The route is withdrawn after `failuresToWithdraw` failures in a row and
 * restored after `successesToRestore` successes in a row (the first success of a new
 * agent advertises at once). Pure: the driver probes and applies the verdicts.
 */
export interface HealthState {
  readonly up: boolean
  readonly failures: number
  readonly successes: number
}

export const INITIAL_HEALTH: HealthState = Object.freeze({ up: false, failures: 0, successes: 0 })

export interface HealthBand {
  readonly failuresToWithdraw: number
  readonly successesToRestore: number
}

export const DEFAULT_HEALTH_BAND: HealthBand = Object.freeze({ failuresToWithdraw: 2, successesToRestore: 2 })

export type HealthVerdict = 'advertise' | 'withdraw' | 'keep'

export function probeResult (state: HealthState, ok: boolean, band: HealthBand, everUp: boolean): { state: HealthState, verdict: HealthVerdict } {
  if (ok) {
    const successes = state.successes + 1
    if (!state.up && (!everUp || successes >= band.successesToRestore)) return { state: { up: true, failures: 0, successes }, verdict: 'advertise' }
    return { state: { up: state.up, failures: 0, successes }, verdict: 'keep' }
  }
  const failures = state.failures + 1
  if (state.up && failures >= band.failuresToWithdraw) return { state: { up: false, failures, successes: 0 }, verdict: 'withdraw' }
  return { state: { up: state.up, failures, successes: 0 }, verdict: 'keep' }
}
