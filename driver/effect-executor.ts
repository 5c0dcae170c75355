/**
 * Executes the Speaker's effects of one input, in the order the Speaker returned them:
 * transport effects through the Transport port, timers through the node's KeyedTimers
 * (over the Scheduler port), audit events and Loc-RIB changes to the sinks, and once
 * per input, the Store is told when restart state may have changed. In order matters
 * to the simulator, where a timer and a send are both events of one seeded queue.
 */
import type { Effect, SpeakerInput } from '../reflector/index.ts'
import type { KeyedTimers } from './keyed-timers.ts'
import type { DriverSinks, Store, Transport } from './ports.ts'

export interface EffectPorts {
  readonly transport: Transport
  readonly store: Store
  readonly timers: KeyedTimers
  readonly sinks: DriverSinks
}

export function executeEffects (ports: EffectPorts, effects: readonly Effect[], input: SpeakerInput): void {
  const { transport, timers, sinks } = ports
  let dirty = changesRestartState(input)
  for (const effect of effects) {
    switch (effect.type) {
      case 'send': transport.send(effect.peer, effect.frames); break
      case 'close': transport.close(effect.peer); break
      case 'dial': transport.dial(effect.peer); break
      case 'await-drain': transport.awaitDrain(effect.peer); break
      case 'set-timer': timers.set(effect.id, effect.atMs); break
      case 'clear-timer': timers.clear(effect.id); break
      case 'loc-rib-changed':
        dirty = true
        sinks.locRibChanged?.(effect.capability)
        break
      case 'audit':
        dirty = true
        sinks.audit?.(effect.event)
        break
    }
  }
  if (dirty) ports.store.markDirty()
}

/** Inputs that change restart state even when they return no audit or Loc-RIB effect. */
function changesRestartState (input: SpeakerInput): boolean {
  switch (input.type) {
    case 'frame': return input.frame.type === 'update' || input.frame.type === 'end-of-rib'
    case 'transport-down':
    case 'agent-upsert':
    case 'agent-remove':
      return true
    default: return false
  }
}
