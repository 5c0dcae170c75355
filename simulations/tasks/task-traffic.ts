/**
 * Task traffic on top of a routing run: consumers send tasks at a Poisson rate, each
 * task is ranked by the consumer's own Speaker (resolve, with the paths its windows
 * found congested), admitted by the consumer's window machine (agp/window Admission)
 * and served by the origin's agent, which has a capacity, a service time and a
 * bounded queue (latency grows with the wait; a full queue answers overloaded). The
 * outcome settles the window, so AIMD runs exactly as in the daemon.
 *
 * It advances in step with the routing simulator (`advance(toMs)` from the engine's
 * instant hook), so tasks see the routes of their moment. The network between
 * consumer and origin adds no delay here: latencies are the agents' own.
 * Randomness comes from its own seeded stream, so adding tasks never moves routing.
 */
import { type Random, seededRandom } from '../../kernel/index.ts'
import type { Speaker } from '../../reflector/index.ts'
import { Admission, type AdmissionEffect, OriginLimiter, type PathOffer } from '../../agp/index.ts'
import type { TaskOutcome, Usage } from '../../agp/index.ts'
import { EventQueue } from '../engine/event-queue.ts'
import type { SimConsumer, SimTasks } from '../topology/model.ts'
import { TaskStats } from './task-stats.ts'

/** Separates the task stream from the nodes' seeds. */
const TASK_SEED_SALT = 0x7a5c_0de5

type TaskEvent =
  | { readonly k: 'arrival', readonly consumer: number }
  | { readonly k: 'done', readonly attempt: number }
  | { readonly k: 'timeout', readonly attempt: number }
  | { readonly k: 'admission-timer', readonly org: string }

interface Task {
  readonly id: string
  readonly consumer: SimConsumer
  readonly arrivedMs: number
  /** Paths left to try, best first. */
  paths: PathOffer[]
  attemptsLeft: number
}

interface Attempt {
  readonly task: Task
  readonly path: PathOffer
  readonly estimate: Usage
  readonly sentMs: number
  state: 'waiting' | 'serving' | 'finished' | 'timed-out'
}

interface AgentModel {
  readonly capacity: number
  readonly serviceMs: number
  readonly queue: number
  busy: number
  readonly waiting: number[]
  readonly limiter: OriginLimiter | undefined
}

export class TaskTraffic {
  readonly stats: TaskStats
  private readonly queue = new EventQueue<TaskEvent>()
  private readonly random: Random
  private readonly admissions = new Map<string, Admission>()
  private readonly agents = new Map<string, AgentModel>()
  private readonly tasks = new Map<string, Task>()
  private readonly attempts = new Map<number, Attempt>()
  private readonly timerAt = new Map<string, number>()
  private nextAttempt = 0
  private taskSeq = 0

  constructor (private readonly spec: SimTasks, seed: number, endMs: number, private readonly speakerOf: (node: string) => Speaker | undefined) {
    this.random = seededRandom((seed ^ TASK_SEED_SALT) >>> 0)
    this.stats = new TaskStats(endMs, [...new Set(spec.consumers.map((c) => c.org))])
    for (const c of spec.consumers) {
      if (!this.admissions.has(c.org)) {
        const budgets = spec.consumers.filter((x) => x.org === c.org).flatMap((x) => x.budgets)
        this.admissions.set(c.org, new Admission({ params: spec.windows, budgets }))
      }
    }
    spec.consumers.forEach((c, i) => this.scheduleArrival(i, c.fromMs))
  }

  /** Run every task event before `toMs` (through it when `inclusive`: the end of the run). */
  advance (toMs: number, inclusive = false): void {
    while (this.queue.size > 0) {
      const t = this.queue.peekTimeMs()
      if (inclusive ? t > toMs : t >= toMs) break
      const e = this.queue.pop()
      if (e !== undefined) this.run(e.item, e.timeMs)
    }
  }

  private run (e: TaskEvent, nowMs: number): void {
    switch (e.k) {
      case 'arrival': this.arrive(e.consumer, nowMs); break
      case 'done': this.done(e.attempt, nowMs); break
      case 'timeout': this.timeout(e.attempt, nowMs); break
      case 'admission-timer':
        if (this.timerAt.get(e.org) === nowMs) {
          this.timerAt.delete(e.org)
          this.apply(e.org, (this.admissions.get(e.org) as Admission).handle({ type: 'timer' }, nowMs), nowMs)
        }
        break
    }
  }

  private scheduleArrival (consumer: number, afterMs: number): void {
    const c = this.spec.consumers[consumer] as SimConsumer
    // Exponential gaps: a Poisson stream at ratePerS.
    const gapMs = -Math.log(1 - this.random.next()) * 1000 / c.ratePerS
    const at = Math.round(afterMs + gapMs)
    if (at < c.toMs) this.queue.push(at, { k: 'arrival', consumer })
  }

  private arrive (consumer: number, nowMs: number): void {
    this.scheduleArrival(consumer, nowMs)
    const c = this.spec.consumers[consumer] as SimConsumer
    const admission = this.admissions.get(c.org) as Admission
    const speaker = this.speakerOf(c.org)
    // A consumer whose daemon is down sends nothing; one without a route has no path to charge.
    if (speaker === undefined) return
    const result = speaker.resolve({ capability: c.capability, congestedPaths: admission.congestedPaths(c.org, nowMs) }, nowMs)
    const paths = (result?.candidates ?? []).map((cand): PathOffer => {
      const a = cand.view.route.attrs
      return { org: a.originOrg, agent: a.agentId, capability: a.capability, costUsd: a.costUsd, p95Ms: a.latencyMs.p95, tags: a.tags }
    })
    if (paths.length === 0) return
    const task: Task = { id: `${c.org}-${this.taskSeq++}`, consumer: c, arrivedMs: nowMs, paths, attemptsLeft: this.spec.attempts }
    this.tasks.set(task.id, task)
    this.request(task, nowMs)
  }

  private request (task: Task, nowMs: number): void {
    const admission = this.admissions.get(task.consumer.org) as Admission
    const effects = admission.handle({ type: 'request', task: { id: task.id, consumerOrg: task.consumer.org, capability: task.consumer.capability, messageBytes: task.consumer.messageBytes, paths: task.paths } }, nowMs)
    this.apply(task.consumer.org, effects, nowMs)
  }

  private apply (org: string, effects: readonly AdmissionEffect[], nowMs: number): void {
    for (const e of effects) {
      switch (e.type) {
        case 'admit': this.send(e.id, e.path, e.estimate, e.queuedMs, nowMs); break
        case 'reject': {
          const task = this.tasks.get(e.id)
          this.tasks.delete(e.id)
          const top = task?.paths[0]
          if (top !== undefined) this.stats.rejected(this.stats.path(top.org, top.agent, top.capability), nowMs)
          break
        }
        case 'settled': this.stats.spent(org, e.usage.usd, nowMs); this.sampleWindow(e.path, nowMs); break
        case 'set-timer':
          if (this.timerAt.get(org) !== e.atMs && Number.isFinite(e.atMs)) {
            this.timerAt.set(org, e.atMs)
            this.queue.push(e.atMs, { k: 'admission-timer', org })
          }
          break
        case 'queue': break
      }
    }
  }

  private send (taskId: string, path: PathOffer, estimate: Usage, queuedMs: number, nowMs: number): void {
    const task = this.tasks.get(taskId)
    if (task === undefined) return
    this.stats.queued(queuedMs, nowMs)
    this.sampleWindow(path, nowMs)
    task.attemptsLeft--
    task.paths = task.paths.filter((p) => p !== path)
    const id = this.nextAttempt++
    const attempt: Attempt = { task, path, estimate, sentMs: nowMs, state: 'waiting' }
    this.attempts.set(id, attempt)
    const agent = this.agentOf(path)
    if (agent.limiter !== undefined && !agent.limiter.acquire(task.consumer.org, estimate, nowMs).ok) {
      this.refused(id, nowMs)
      return
    }
    if (agent.busy < agent.capacity) this.serve(id, agent, nowMs)
    else if (agent.waiting.length < agent.queue) agent.waiting.push(id)
    else {
      agent.limiter?.release(task.consumer.org, estimate, { tokens: 0, usd: 0 }, nowMs)
      this.refused(id, nowMs)
      return
    }
    this.queue.push(nowMs + this.spec.timeoutMs, { k: 'timeout', attempt: id })
  }

  /** The origin or its agent answered overloaded before serving: settle, then fail over. */
  private refused (id: number, nowMs: number): void {
    const a = this.attempts.get(id) as Attempt
    this.attempts.delete(id)
    a.state = 'finished'
    const task = a.task
    this.stats.rejected(this.stats.path(a.path.org, a.path.agent, a.path.capability), nowMs)
    this.settle(task, { kind: 'overload', usage: { tokens: 0, usd: 0 } }, nowMs)
    if (task.attemptsLeft > 0 && task.paths.length > 0) this.request(task, nowMs)
    else this.tasks.delete(task.id)
  }

  private serve (id: number, agent: AgentModel, nowMs: number): void {
    const a = this.attempts.get(id)
    if (a === undefined) return
    agent.busy++
    if (a.state === 'waiting') a.state = 'serving'
    // Service time uniform in [0.75, 1.25] × serviceMs.
    const serviceMs = Math.round(agent.serviceMs * (0.75 + 0.5 * this.random.next()))
    this.queue.push(nowMs + serviceMs, { k: 'done', attempt: id })
  }

  private done (id: number, nowMs: number): void {
    const a = this.attempts.get(id) as Attempt
    const agent = this.agentOf(a.path)
    agent.busy--
    const next = agent.waiting.shift()
    if (next !== undefined) this.serve(next, agent, nowMs)
    const usage = { tokens: a.estimate.tokens, usd: a.path.costUsd }
    agent.limiter?.release(a.task.consumer.org, a.estimate, usage, nowMs)
    this.attempts.delete(id)
    if (a.state === 'timed-out') return
    a.state = 'finished'
    const latencyMs = nowMs - a.sentMs
    this.stats.served(this.stats.path(a.path.org, a.path.agent, a.path.capability), latencyMs, nowMs)
    this.settle(a.task, { kind: 'success', latencyMs, usage }, nowMs)
    this.tasks.delete(a.task.id)
  }

  private timeout (id: number, nowMs: number): void {
    const a = this.attempts.get(id)
    if (a === undefined || a.state === 'finished') return
    // The agent keeps working on it (its slot stays busy); the consumer has given up.
    a.state = 'timed-out'
    this.stats.rejected(this.stats.path(a.path.org, a.path.agent, a.path.capability), nowMs)
    this.settle(a.task, { kind: 'timeout' }, nowMs)
    this.tasks.delete(a.task.id)
  }

  private settle (task: Task, outcome: TaskOutcome, nowMs: number): void {
    const admission = this.admissions.get(task.consumer.org) as Admission
    this.apply(task.consumer.org, admission.handle({ type: 'settle', id: task.id, outcome }, nowMs), nowMs)
  }

  /** The sum of every consumer's window on the path. */
  private sampleWindow (path: PathOffer, nowMs: number): void {
    let sum = 0
    for (const [org, admission] of this.admissions) sum += admission.window(org, path.org, path.agent, nowMs)?.tasks ?? 0
    this.stats.window(this.stats.path(path.org, path.agent, path.capability), sum, nowMs)
  }

  private agentOf (path: PathOffer): AgentModel {
    const key = `${path.org}/${path.agent}`
    let m = this.agents.get(key)
    if (m === undefined) {
      const service = this.spec.services.get(key)
      const limits = this.spec.limits.get(key)
      m = service !== undefined
        ? { capacity: service.capacity, serviceMs: service.serviceMs, queue: service.queue, busy: 0, waiting: [], limiter: limits !== undefined ? new OriginLimiter(limits) : undefined }
        : { capacity: Infinity, serviceMs: Math.max(1, path.p95Ms / 2), queue: 0, busy: 0, waiting: [], limiter: limits !== undefined ? new OriginLimiter(limits) : undefined }
      this.agents.set(key, m)
    }
    return m
  }
}
