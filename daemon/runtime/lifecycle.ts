/**
 * Starts and stops the daemon's components in order. A component is js-libp2p's
 * `Startable` (start/stop with optional beforeStart, afterStart, beforeStop, afterStop);
 * js-libp2p's own `start(...)` runs each phase on all components at once, but the daemon's
 * parts depend on each other (the store before the audit log that checkpoints into it,
 * libp2p before the transport on it), so here each phase runs in the order the
 * components were added, and stopping runs in the reverse order.
 *
 * `start()` starts the components added since the previous call: storage is opened
 * first because what it holds (the last snapshot) builds the rest. `stop()` stops every
 * component added, started or not (each must accept a stop before its start), and a
 * step that fails is reported and does not keep the others from running.
 */
import type { Startable } from '@libp2p/interface'

export type { Startable }

type Phase = 'beforeStart' | 'start' | 'afterStart' | 'beforeStop' | 'stop' | 'afterStop'

interface Entry { readonly name: string, readonly component: Startable }

export class Lifecycle {
  private readonly entries: Entry[] = []
  private started = 0
  private readonly onStopError: (name: string, err: unknown) => void

  constructor (init: { onStopError: (name: string, err: unknown) => void }) {
    this.onStopError = init.onStopError
  }

  /** Adds a component; it starts at the next start(), after those added before it. */
  add<T extends Startable> (name: string, component: T): T {
    this.entries.push({ name, component })
    return component
  }

  /** Every beforeStart, then every start, then every afterStart of the pending components, in order. */
  async start (): Promise<void> {
    const pending = this.entries.slice(this.started)
    this.started = this.entries.length
    for (const phase of ['beforeStart', 'start', 'afterStart'] as const) {
      for (const e of pending) await run(e, phase)
    }
  }

  /** Every beforeStop, then every stop, then every afterStop, last added first; failures are reported, not thrown. */
  async stop (): Promise<void> {
    const all = [...this.entries].reverse()
    this.entries.length = 0
    this.started = 0
    for (const phase of ['beforeStop', 'stop', 'afterStop'] as const) {
      for (const e of all) {
        try { await run(e, phase) } catch (err) { this.onStopError(`${e.name} ${phase}`, err) }
      }
    }
  }
}

async function run (e: Entry, phase: Phase): Promise<void> {
  await e.component[phase]?.()
}
