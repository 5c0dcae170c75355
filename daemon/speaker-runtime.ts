/**
 * The Speaker's driver in the daemon, one `Startable`: the event loop that serializes
 * every input into `speaker.handle`, the AGP transport on libp2p that feeds it frames
 * and carries its `send`s, and the executor of its effects. The loop and the transport
 * refer to each other (the transport is the loop's input sink, the loop's queue pressure
 * pauses the transport's reads), so they start and stop together:
 *
 * - start: the transport takes the AGP protocol (libp2p is started by then);
 * - afterStart: the Speaker gets its `start` input (sessions dial out) once every other
 *   component is up;
 * The loop and the effect executor are the simulator's own (driver/); the daemon plugs in
 * its ports: the system scheduler, the AGP transport, the store's dirty flag.
 *
 * - beforeStop: the Speaker's `stop` (NOTIFICATION cease to every neighbor, bounded by
 *   stopTimeoutMs), then the transport closes its streams after their queues drained,
 *   then the loop cancels its timers; all of it before any other component stops.
 */
import type { Startable } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { AnnounceBytesSink } from '../agp/index.ts'
import { EventLoop } from '../driver/index.ts'
import type { Clock } from '../kernel/index.ts'
import type { Speaker } from '../reflector/index.ts'
import type { AuditLog } from './audit/audit-log.ts'
import type { DhtDiscovery } from './discovery/dht-discovery.ts'
import type { Metrics } from './metrics/metrics.ts'
import { AgpTransport } from './p2p/agp-transport.ts'
import { systemScheduler } from './runtime/system-scheduler.ts'
import { auditSink, loggedCloses } from './speaker-sinks.ts'

export interface SpeakerRuntimeComponents {
  readonly speaker: Speaker
  readonly clock: Clock
  readonly libp2p: Libp2p
  readonly logger: Logger
  readonly metrics: Metrics
  readonly audit: AuditLog
  readonly discovery?: DhtDiscovery
  /** Told each received announce's bytes (the store's ReceivedRouteBytes). */
  readonly onAnnounceBytes?: AnnounceBytesSink
}

export interface SpeakerRuntimeInit {
  readonly neighbors: ReadonlyMap<string, Multiaddr[]>
  /** Grace for NOTIFICATIONs and queued frames at stop. */
  readonly stopTimeoutMs: number
  /** Called after every effect batch that may change what a snapshot holds. */
  readonly markDirty: () => void
}

export class SpeakerRuntime implements Startable {
  readonly loop: EventLoop
  readonly transport: AgpTransport
  private readonly components: SpeakerRuntimeComponents
  private readonly init: SpeakerRuntimeInit

  constructor (components: SpeakerRuntimeComponents, init: SpeakerRuntimeInit) {
    this.components = components
    this.init = init
    const { speaker, clock, libp2p, logger: log, metrics, audit, discovery } = components
    const closeReason = (peer: string): string | undefined => speaker.peers().find((p) => p.peerId === peer)?.lastError
    const loop: EventLoop = this.loop = new EventLoop({
      speaker,
      clock,
      scheduler: systemScheduler(clock),
      transport: loggedCloses(() => transport, log, closeReason),
      store: { markDirty: init.markDirty }
    }, {
      sinks: {
        audit: auditSink({ audit, metrics, logger: log }),
        error: (err, input) => { log.error({ err: String(err), stack: (err as Error).stack, input: input.type }, 'speaker failed to handle an input') },
        pressure: (high) => { transport.setPaused(high) }
      }
    })
    const transport: AgpTransport = this.transport = new AgpTransport({
      libp2p,
      sink: loop,
      logger: log,
      ...(discovery !== undefined ? { findAddrs: async (peer: string, o: { signal: AbortSignal }) => await discovery.findAddrs(peer, o) } : {}),
      ...(components.onAnnounceBytes !== undefined ? { onAnnounceBytes: components.onAnnounceBytes } : {}),
      observer: {
        frameIn: (_peer, frame) => { if (frame.type === 'update') metrics.updates('in', 1, frame.announces.length + frame.withdraws.length) },
        frameOut: (_peer, frame) => { if (frame.type === 'update') metrics.updates('out', 1, frame.announces.length + frame.withdraws.length) },
        decodeError: (peer, error) => { metrics.decodeError(); log.warn({ peer, error }, 'bad frame') }
      }
    }, { neighbors: new Map(init.neighbors) })
  }

  async start (): Promise<void> {
    await this.transport.start()
  }

  afterStart (): void {
    this.loop.post({ type: 'start' })
  }

  async beforeStop (): Promise<void> {
    try {
      await withTimeout(this.loop.submit({ type: 'stop' }), this.init.stopTimeoutMs)
    } catch (err) {
      this.components.logger.warn({ step: 'speaker stop', err: String(err) }, 'stop step failed')
    }
    try {
      await this.transport.stop()
    } finally {
      this.loop.stop()
    }
  }

  stop (): void {}
}

async function withTimeout<T> (p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined) }, ms) })
  try { return await Promise.race([p, timeout]) } finally { clearTimeout(timer) }
}
