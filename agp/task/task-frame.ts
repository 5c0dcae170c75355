/**
 * Task frames of `/atp/task/1.0.0`, as plain data. agp/proto/task.proto is the wire
 * form; ./task-codec.ts maps between the two (encodeTaskFrame/decodeTaskFrame).
 *
 * One stream carries one task, hop by hop: the requester writes `request` (and maybe
 * `cancel`); the next hop answers `accepted`, then `event`s, then exactly one of `end`
 * or `error`, and closes.
 */

/** Protocol version carried in every frame; a frame with another version is refused. */
export const TASK_VERSION = 1

export const TASK_PROTOCOL = '/atp/task/1.0.0'
/**
 * The same frames, many tasks per stream under channel numbers. A daemon offers it first
 * and falls back to TASK_PROTOCOL (one task per stream) with a neighbor that does not
 * speak it, so daemons of different versions forward to each other.
 */
export const TASK_MUX_PROTOCOL = '/atp/task/1.1.0'

/** Default bound on one frame (the length prefix excluded); config `forwarding.maxMessageBytes`. */
export const DEFAULT_MAX_TASK_FRAME_BYTES = 1024 * 1024

/** A task crosses at most this many daemons: consumer, reflectors, origin. */
export const MAX_TASK_HOPS = 16

/** Longest deadline a request may carry (uint32 ms, a day). */
export const MAX_TASK_DEADLINE_MS = 86_400_000

export const MAX_TASK_ID_LENGTH = 128
export const MAX_TASK_ERROR_TEXT = 1024
/** Largest channel number (a frame's uint32): 0 is the stream's only task. */
export const MAX_TASK_CHANNEL = 0xffff_ffff

/**
 * Why a task failed, stable numbers on the wire (TaskError.code). The numbers never
 * change meaning; a decoder maps an unknown one to `Internal`.
 */
export enum TaskErrorCode {
  /** A frame that does not decode, or one out of order. */
  BadFrame = 1,
  /** This hop holds no usable route for the path named. */
  NoRoute = 2,
  /** The requester was never given that route (export policy): no transit through us. */
  NotGiven = 3,
  /** The next hop or the agent could not be reached. */
  Unreachable = 4,
  /** The task's deadline passed. */
  Timeout = 5,
  /** The agent answered with an error, or its task ended failed or rejected. */
  AgentFailed = 6,
  /** Too many tasks in flight at this hop. */
  Overloaded = 7,
  /** The message is larger than this hop accepts. */
  TooLarge = 8,
  /** A hop's stream closed before the task ended. */
  HopDown = 9,
  Canceled = 10,
  TooManyHops = 11,
  Internal = 12,
  /** The consumer's congestion window has no room on any path (retry after a while). */
  OverWindow = 13,
  /** A budget of the consumer would be exceeded: the task never left. */
  OverBudget = 14
}

const KNOWN_CODES = new Set<number>(Object.values(TaskErrorCode).filter((v): v is number => typeof v === 'number'))

export function taskErrorCodeOf (n: number): TaskErrorCode {
  return KNOWN_CODES.has(n) ? n as TaskErrorCode : TaskErrorCode.Internal
}

export interface TaskRequestFrame {
  readonly type: 'request'
  readonly taskId: string
  readonly capability: string
  readonly originOrg: string
  readonly agentId: string
  readonly deadlineMs: number
  readonly hops: number
  /** A2A SendMessageRequest, proto3 JSON, UTF-8. */
  readonly a2aRequest: Uint8Array
  readonly stream: boolean
  /** The consumer daemon's org (an origin shares its agents' limits per consumer org). */
  readonly consumerOrg?: string
}

export interface TaskAcceptedFrame { readonly type: 'accepted' }

export interface TaskEventFrame {
  readonly type: 'event'
  /** One A2A StreamResponse, proto3 JSON, UTF-8. */
  readonly a2aEvent: Uint8Array
}

export interface TaskEndFrame {
  readonly type: 'end'
  readonly agentLatencyMs: number
  readonly costUsd: number
  /** The A2A TaskState the agent's task ended in (A2A_TASK_COMPLETED: success). */
  readonly finalState: number
}

/** A2A TaskState `completed` (spec v1.0 numbering), the only state that is a success. */
export const A2A_TASK_COMPLETED = 3

export interface TaskErrorFrame {
  readonly type: 'error'
  readonly code: TaskErrorCode
  readonly text: string
  /** Org of the hop that raised it. */
  readonly org: string
}

export interface TaskCancelFrame { readonly type: 'cancel' }

export type TaskFrame = TaskRequestFrame | TaskAcceptedFrame | TaskEventFrame | TaskEndFrame | TaskErrorFrame | TaskCancelFrame
