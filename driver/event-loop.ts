/**
 * The one serialized loop of a node, in the daemon and in the simulator alike: frames,
 * timer fires and API calls all become Speaker inputs here and are handled one at a
 * time, in arrival order, with the time read once per input, and their effects are
 * executed through the ports (effect-executor.ts). Only the ports differ between the
 * two drivers: the daemon's Scheduler is setTimeout/setImmediate, its Transport libp2p;
 * the simulator's Scheduler is its seeded event queue (a turn runs at once), its
 * Transport the in-process network.
 *
 * Bounded by inputs and by routes: frames are refused past `maxQueue` inputs or
 * `maxQueuedRoutes` routes in queued UPDATEs (the transport then resets that session),
 * and the `pressure` sink lets the transport pause reading before that — a frame count
 * alone would let 16k UPDATEs of 512 routes (gigabytes) wait. Control inputs (timers,
 * transport up/down, agents, stop) get a small reserve above the bound so that a flood of
 * frames can never starve a hold timer.
 *
 * Fair to I/O: a turn ends after `batchSize` inputs or `turnBudgetMs` on the scheduler's
 * turn clock, whichever comes first, so one UPDATE's signature checks never hold
 * keepalives, pings and the API for more than about one input's time.
 *
 * Liveness never waits behind bulk work (BGP implementations give KEEPALIVE the same
 * precedence). A keepalive timer fire takes the priority lane: sending a KEEPALIVE
 * changes no routing state, and a neighbor whose hold timer we feed must not time us out
 * because 60k routes of UPDATEs were queued here first. A hold timer fire stays in arrival
 * order — frames of that peer already queued are proof of life and re-arm it before the
 * fire is reached — and while reads are paused (pressure high) it is not judged at all:
 * it is re-armed `holdDeferMs` later, because the peer's KEEPALIVEs are waiting unread in
 * a socket we chose not to read. Pressure falls as the queue drains, so the deferral ends.
 */
import type { Clock } from '../kernel/index.ts'
import { parseTimerId } from '../reflector/index.ts'
import type { Speaker, SpeakerInput, TimerId } from '../reflector/index.ts'
import { executeEffects, type EffectPorts } from './effect-executor.ts'
import { EventLoopOverloadError, EventLoopStoppedError } from './errors.ts'
import { KeyedTimers } from './keyed-timers.ts'
import type { DriverSinks, Scheduler, Store, Transport } from './ports.ts'

export interface EventLoopComponents {
  readonly speaker: Pick<Speaker, 'handle'>
  readonly clock: Clock
  readonly scheduler: Scheduler
  readonly transport: Transport
  /** Told when restart state may have changed; none when nothing is persisted. */
  readonly store?: Store
}

export interface EventLoopInit {
  readonly sinks?: DriverSinks
  readonly maxQueue?: number
  /** Extra room for control inputs above maxQueue. */
  readonly controlReserve?: number
  /** Inputs handled before yielding to I/O. */
  readonly batchSize?: number
  /** Routes (announces + withdraws) queued in UPDATE frames before frames are refused. */
  readonly maxQueuedRoutes?: number
  /** A turn yields to I/O once it ran this long on scheduler.turnClockMs (checked between inputs). Default 5 ms. */
  readonly turnBudgetMs?: number
  /** While reads are paused a hold timer fire is re-armed this much later instead of judged. Default 250 ms. */
  readonly holdDeferMs?: number
}

const NO_STORE: Store = { markDirty: () => {} }

/** Routes an input carries, for the route-weighted bound (1 for anything but an UPDATE). */
function routesIn (input: SpeakerInput): number {
  if (input.type !== 'frame' || input.frame.type !== 'update') return 0
  return input.frame.announces.length + input.frame.withdraws.length
}

interface Settle {
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/** A Speaker input waiting for its turn. */
interface InputItem {
  readonly input: SpeakerInput
  /** routesIn(input), counted while queued. */
  readonly routes?: number
  /** For timer fires: the arming this fire belongs to (a replaced timer's fire is dropped). */
  readonly timerToken?: number
  readonly done?: Settle
}

/** A call in loop order instead of an input (API reads and writes that are not inputs). */
interface CallItem {
  readonly call: (nowMs: number) => void
  readonly done: Settle
}

type QueueItem = InputItem | CallItem

export interface EventLoopStats {
  readonly queued: number
  readonly handled: number
  readonly refused: number
  readonly errors: number
  readonly timers: number
}

export class EventLoop {
  private readonly speaker: Pick<Speaker, 'handle'>
  private readonly clock: Clock
  private readonly scheduler: Scheduler
  private readonly sinks: DriverSinks
  private readonly ports: EffectPorts
  private readonly maxQueue: number
  private readonly controlReserve: number
  private readonly batchSize: number
  private readonly highWater: number
  private readonly lowWater: number
  private readonly maxQueuedRoutes: number
  private readonly routesHighWater: number
  private readonly routesLowWater: number
  private readonly turnBudgetMs: number
  private queuedRoutes = 0
  private readonly timers: KeyedTimers
  private queue: QueueItem[] = []
  private head = 0
  /** Keepalive timer fires, handled before anything in `queue`; at most one per neighbor. */
  private priority: InputItem[] = []
  private readonly holdDeferMs: number
  private scheduled = false
  private running = false
  private stopped = false
  private high = false
  private handled = 0
  private refused = 0
  private errors = 0

  constructor (components: EventLoopComponents, init: EventLoopInit) {
    this.speaker = components.speaker
    this.clock = components.clock
    this.scheduler = components.scheduler
    this.sinks = init.sinks ?? {}
    this.maxQueue = init.maxQueue ?? 16_384
    this.controlReserve = init.controlReserve ?? 1024
    this.batchSize = init.batchSize ?? 256
    this.highWater = Math.floor(this.maxQueue * 0.75)
    this.lowWater = Math.floor(this.maxQueue * 0.25)
    this.maxQueuedRoutes = init.maxQueuedRoutes ?? 65_536
    this.routesHighWater = Math.floor(this.maxQueuedRoutes * 0.75)
    this.routesLowWater = Math.floor(this.maxQueuedRoutes * 0.25)
    this.turnBudgetMs = init.turnBudgetMs ?? 5
    this.holdDeferMs = init.holdDeferMs ?? 250
    this.timers = new KeyedTimers(components.scheduler, (id, token) => { this.onTimerFire(id, token) })
    this.ports = { transport: components.transport, store: components.store ?? NO_STORE, timers: this.timers, sinks: this.sinks }
  }

  get size (): number { return this.queue.length - this.head + this.priority.length }

  stats (): EventLoopStats {
    return { queued: this.size, handled: this.handled, refused: this.refused, errors: this.errors, timers: this.timers.size }
  }

  /** Offers a frame-like input; false when the queue is full (the caller sheds load). */
  offer (input: SpeakerInput): boolean {
    if (this.stopped || this.size >= this.maxQueue || this.queuedRoutes >= this.maxQueuedRoutes) {
      this.refused++
      return false
    }
    const routes = routesIn(input)
    this.queuedRoutes += routes
    this.push(routes > 0 ? { input, routes } : { input })
    return true
  }

  /** Posts a control input; throws EventLoopOverloadError past the reserve. */
  post (input: SpeakerInput): void {
    if (this.stopped) throw new EventLoopStoppedError()
    if (this.size >= this.maxQueue + this.controlReserve) {
      this.refused++
      throw new EventLoopOverloadError(`event loop queue full (${this.size}); '${input.type}' refused`)
    }
    this.push({ input })
  }

  /** Posts a control input and resolves once the Speaker has handled it and its effects ran. */
  async submit (input: SpeakerInput): Promise<void> {
    if (this.stopped) throw new EventLoopStoppedError()
    if (this.size >= this.maxQueue + this.controlReserve) {
      this.refused++
      throw new EventLoopOverloadError(`event loop queue full (${this.size}); '${input.type}' refused`)
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    this.push({ input, done: { resolve, reject } })
    return promise
  }

  /** Runs `fn` in loop order (after everything queued before it) with the loop's time. */
  async run<T> (fn: (nowMs: number) => T): Promise<T> {
    if (this.stopped) throw new EventLoopStoppedError()
    if (this.size >= this.maxQueue + this.controlReserve) {
      this.refused++
      throw new EventLoopOverloadError(`event loop queue full (${this.size}); call refused`)
    }
    const { promise, resolve, reject } = Promise.withResolvers<T>()
    let result: T
    this.push({
      call: (nowMs) => { result = fn(nowMs) },
      done: { resolve: () => { resolve(result) }, reject }
    })
    return promise
  }

  /** Cancels all timers and refuses further inputs; queued items are dropped (their submitters rejected). */
  stop (): void {
    if (this.stopped) return
    this.stopped = true
    this.timers.clearAll()
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]?.done?.reject(new EventLoopStoppedError())
    for (const item of this.priority) item.done?.reject(new EventLoopStoppedError())
    this.queue = []
    this.priority = []
    this.head = 0
    this.queuedRoutes = 0
  }

  private onTimerFire (id: TimerId, token: number): void {
    if (this.stopped) return
    // A timer fire is a control input: always room for it within the reserve.
    if (this.size >= this.maxQueue + this.controlReserve) {
      // Never lose a timer: re-arm it shortly instead.
      this.timers.set(id, this.clock.nowMs() + 10)
      return
    }
    const { kind } = parseTimerId(id)
    if (kind === 'hold' && this.high) {
      this.timers.set(id, this.clock.nowMs() + this.holdDeferMs)
      return
    }
    const item: InputItem = { input: { type: 'timer', id }, timerToken: token }
    if (kind === 'keepalive') {
      this.priority.push(item)
      this.schedule()
    } else this.push(item)
  }

  private push (item: QueueItem): void {
    this.queue.push(item)
    if (!this.high && (this.size >= this.highWater || this.queuedRoutes >= this.routesHighWater)) {
      this.high = true
      this.sinks.pressure?.(true)
    }
    this.schedule()
  }

  private schedule (): void {
    if (this.scheduled || this.running || this.stopped) return
    this.scheduled = true
    // The daemon's scheduler defers with setImmediate rather than a microtask: I/O
    // callbacks get their turn between batches.
    this.scheduler.defer(this.turn)
  }

  /** One turn, bound once: the simulator's scheduler runs a turn per input. */
  private readonly turn = (): void => {
    this.scheduled = false
    this.drain()
  }

  private drain (): void {
    this.running = true
    const turnEnd = this.scheduler.turnClockMs() + this.turnBudgetMs
    try {
      for (let n = 0; n < this.batchSize && this.size > 0 && !this.stopped; n++) {
        const item = this.next()
        if (item !== undefined) {
          if ('call' in item) this.runCall(item)
          else {
            if (item.routes !== undefined) this.queuedRoutes -= item.routes
            this.handleInput(item)
          }
        }
        if (this.scheduler.turnClockMs() >= turnEnd) break
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      if (this.high && this.size <= this.lowWater && this.queuedRoutes <= this.routesLowWater) {
        this.high = false
        this.sinks.pressure?.(false)
      }
    } finally {
      this.running = false
    }
    if (this.size > 0) this.schedule()
  }

  private next (): QueueItem | undefined {
    if (this.priority.length > 0) return this.priority.shift()
    const item = this.queue[this.head]
    this.queue[this.head++] = undefined as unknown as QueueItem
    return item
  }

  private runCall (item: CallItem): void {
    try {
      item.call(this.clock.nowMs())
      item.done.resolve()
    } catch (err) {
      item.done.reject(err)
    }
  }

  private handleInput (item: InputItem): void {
    const { input } = item
    if (input.type === 'timer' && item.timerToken !== undefined && !this.timers.consume(input.id, item.timerToken)) {
      item.done?.resolve()
      return // replaced or cleared after it fired
    }
    try {
      const effects = this.speaker.handle(input, this.clock.nowMs())
      this.handled++
      executeEffects(this.ports, effects, input)
      item.done?.resolve()
    } catch (err) {
      this.errors++
      this.sinks.error?.(err, input)
      item.done?.reject(err)
    }
  }
}
