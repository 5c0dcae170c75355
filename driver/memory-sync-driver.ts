/**
 * One node's driver of the memory sync machines (crdt/sync, one per neighbor), shared
 * by the daemon and the simulator: the input queue (a machine never runs inside its own
 * effects: a delivered envelope pushes to every other neighbor, and that push waits its
 * turn), the redial timer of each neighbor with its token (a stale fire is dropped), and
 * the execution of the machines' effects through ports: `dial`, `send`, `await-drain` to
 * the MemoryTransport, `deliver` to the MemoryReceiver (which answers whether an envelope
 * parked), `output-lost` to a sink. Timers are armed only between start and stop.
 */
import type { Clock } from '../kernel/index.ts'
import type { Envelope, SyncEffect, SyncInput, SyncMachine, SyncMessage } from '../crdt/index.ts'
import { KeyedTimers } from './keyed-timers.ts'
import type { Scheduler } from './ports.ts'

/** The memory streams: the transport answers dial with output-up/down and await-drain with drained. */
export interface MemoryTransport {
  dial (peer: string): void
  send (peer: string, messages: readonly SyncMessage[]): void
  awaitDrain (peer: string): void
}

export interface MemoryReceiver {
  /** Applies envelopes from `peer` to the node's replica and store; true when one parked. */
  receive (peer: string, namespace: string, envelopes: readonly Envelope[]): boolean
}

export interface MemorySyncDriverComponents {
  readonly clock: Clock
  readonly scheduler: Scheduler
  readonly transport: MemoryTransport
  readonly receiver: MemoryReceiver
  /** Our outbound stream to `peer` is down; the next dial is in `retryMs`. */
  readonly outputLost?: (peer: string, reason: string, retryMs: number) => void
}

export class MemorySyncDriver {
  /** One machine per neighbor, by peer id. */
  readonly machines = new Map<string, SyncMachine>()
  private readonly components: MemorySyncDriverComponents
  private readonly timers: KeyedTimers
  private readonly inputs: Array<{ readonly peer: string, readonly input: SyncInput }> = []
  private running = false
  private started = false

  constructor (components: MemorySyncDriverComponents) {
    this.components = components
    this.timers = new KeyedTimers(components.scheduler, (peer, token) => {
      if (this.timers.consume(peer, token)) this.input(peer, { type: 'timer' })
    })
  }

  /** From now on redial timers are armed. */
  start (): void { this.started = true }

  /** Cancels every timer; timers set from now on are ignored. */
  stop (): void {
    this.started = false
    this.timers.clearAll()
  }

  /** Forgets a neighbor's machine and its timer (give it `stop` first). */
  remove (peer: string): void {
    this.machines.delete(peer)
    this.timers.clear(peer)
  }

  /** New envelopes at this node (written here, or applied from `from`): to every machine. */
  push (namespace: string, envelopes: readonly Envelope[], from: string | undefined): void {
    for (const peer of this.machines.keys()) this.input(peer, { type: 'push', namespace, envelopes, from })
  }

  /** Queues an input; runs the queue unless it is already running (an effect's consequence waits its turn). */
  input (peer: string, input: SyncInput): void {
    this.inputs.push({ peer, input })
    if (this.running) return
    this.running = true
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) {
        const machine = this.machines.get(next.peer)
        if (machine === undefined) continue
        for (const effect of machine.handle(next.input, this.components.clock.nowMs())) this.execute(next.peer, effect)
      }
    } finally {
      this.running = false
    }
  }

  private execute (peer: string, effect: SyncEffect): void {
    const { transport } = this.components
    switch (effect.type) {
      case 'dial': transport.dial(peer); return
      case 'send': transport.send(peer, effect.messages); return
      case 'set-timer':
        if (this.started) this.timers.set(peer, effect.atMs)
        else this.timers.clear(peer)
        return
      case 'clear-timer': this.timers.clear(peer); return
      case 'await-drain': transport.awaitDrain(peer); return
      case 'deliver':
        if (this.components.receiver.receive(peer, effect.namespace, effect.envelopes)) this.input(peer, { type: 'parked', namespace: effect.namespace })
        return
      case 'output-lost': this.components.outputLost?.(peer, effect.reason, effect.retryMs)
    }
  }
}
