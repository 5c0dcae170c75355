/**
 * TaskFrame ⇄ bytes for `/atp/task/1.0.0` (agp/proto/task.proto). decodeTaskFrame
 * validates everything a neighbor can send and never throws: a bad frame is a
 * TaskDecodeError, which the hop answers with a TaskError (code BadFrame or TooLarge)
 * before it closes the stream. The A2A payloads stay opaque bytes here; the drivers
 * parse them with the A2A SDK's own JSON mapping.
 */
import { AtpError, InvalidArgumentError, capabilityProblem } from '../../kernel/index.ts'
import { atptask } from '../proto/gen/task.js'
import {
  MAX_TASK_CHANNEL, MAX_TASK_DEADLINE_MS, MAX_TASK_ERROR_TEXT, MAX_TASK_HOPS, MAX_TASK_ID_LENGTH, TASK_VERSION,
  TaskErrorCode, taskErrorCodeOf, type TaskFrame
} from './task-frame.ts'

export class TaskDecodeError extends AtpError {
  /** What the hop answers with: BadFrame or TooLarge. */
  readonly taskCode: TaskErrorCode
  constructor (message: string, taskCode: TaskErrorCode = TaskErrorCode.BadFrame, options?: { cause?: unknown }) {
    super('ERR_TASK_DECODE', message, options)
    this.taskCode = taskCode
  }
}

export type TaskDecodeResult =
  /** `channel` is there when the frame names one (a stream of many tasks), absent for 0. */
  | { readonly ok: true, readonly value: TaskFrame, readonly channel?: number }
  | { readonly ok: false, readonly error: TaskDecodeError }

const TASK_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
const ORG_PATTERN = /^[a-z0-9-]{1,32}$/
const AGENT_PATTERN = /^[a-z0-9-]{1,64}$/

/**
 * Encodes one frame (no length prefix) for the task under `channel` (0: the stream's only
 * task). Throws InvalidArgumentError past maxBytes or for a channel that is not a uint32.
 */
export function encodeTaskFrame (frame: TaskFrame, maxBytes: number, channel = 0): Uint8Array {
  if (!Number.isInteger(channel) || channel < 0 || channel > MAX_TASK_CHANNEL) throw new InvalidArgumentError(`task channel ${channel} is not 0..${MAX_TASK_CHANNEL}`)
  const bytes = atptask.TaskFrame.encode({ version: TASK_VERSION, ...toBody(frame), ...(channel !== 0 ? { channel } : {}) }).finish()
  if (bytes.length > maxBytes) throw new InvalidArgumentError(`task ${frame.type} frame is ${bytes.length} bytes, max ${maxBytes}`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

function toBody (frame: TaskFrame): Omit<atptask.TaskFrame.$Properties, 'version'> {
  switch (frame.type) {
    case 'request': {
      const { type: _type, ...request } = frame
      return { request }
    }
    case 'accepted': return { accepted: {} }
    case 'event': return { event: { a2aEvent: frame.a2aEvent } }
    case 'end': return { end: { agentLatencyMs: Math.round(frame.agentLatencyMs), costUsd: frame.costUsd, finalState: frame.finalState } }
    case 'error': return { error: { code: frame.code, text: frame.text.slice(0, MAX_TASK_ERROR_TEXT), org: frame.org } }
    case 'cancel': return { cancel: {} }
  }
}

/** Decodes and validates one frame. Never throws. */
export function decodeTaskFrame (bytes: Uint8Array, maxBytes: number): TaskDecodeResult {
  try {
    if (bytes.length > maxBytes) return bad(`task frame is ${bytes.length} bytes, max ${maxBytes}`, TaskErrorCode.TooLarge)
    let msg: atptask.TaskFrame
    try {
      msg = atptask.TaskFrame.decode(bytes)
    } catch (e) {
      return bad(`task frame does not parse: ${(e as Error).message}`)
    }
    if (msg.version !== TASK_VERSION) return bad(`unsupported task version ${msg.version}, expected ${TASK_VERSION}`)
    const frame = fromMessage(msg)
    if (typeof frame === 'string') return bad(frame)
    const channel = msg.channel ?? 0
    return channel === 0 ? { ok: true, value: frame } : { ok: true, value: frame, channel }
  } catch (e) {
    return bad(`task frame does not decode: ${(e as Error).message}`)
  }
}

function bad (message: string, code = TaskErrorCode.BadFrame): TaskDecodeResult {
  return { ok: false, error: new TaskDecodeError(message, code) }
}

/** The frame, or the reason it is malformed. */
function fromMessage (msg: atptask.TaskFrame): TaskFrame | string {
  if (msg.request != null) {
    const r = msg.request
    const taskId = r.taskId ?? ''
    if (taskId.length > MAX_TASK_ID_LENGTH || !TASK_ID_PATTERN.test(taskId)) return 'request.taskId is malformed'
    const capability = r.capability ?? ''
    const problem = capabilityProblem(capability)
    if (problem !== undefined) return `request.capability: ${problem}`
    if (!ORG_PATTERN.test(r.originOrg ?? '')) return 'request.originOrg is malformed'
    if (!AGENT_PATTERN.test(r.agentId ?? '')) return 'request.agentId is malformed'
    const deadlineMs = r.deadlineMs ?? 0
    if (deadlineMs < 1 || deadlineMs > MAX_TASK_DEADLINE_MS) return `request.deadlineMs must be 1..${MAX_TASK_DEADLINE_MS}`
    const hops = r.hops ?? 0
    if (hops > MAX_TASK_HOPS) return `request.hops ${hops} exceeds ${MAX_TASK_HOPS}`
    const a2aRequest = r.a2aRequest ?? new Uint8Array(0)
    if (a2aRequest.length === 0) return 'request.a2aRequest is empty'
    const consumerOrg = r.consumerOrg ?? ''
    if (consumerOrg !== '' && !ORG_PATTERN.test(consumerOrg)) return 'request.consumerOrg is malformed'
    return {
      ...(consumerOrg !== '' ? { consumerOrg } : {}),
      type: 'request', taskId, capability, originOrg: r.originOrg ?? '', agentId: r.agentId ?? '',
      deadlineMs, hops, a2aRequest: a2aRequest.slice(), stream: r.stream === true
    }
  }
  if (msg.accepted != null) return { type: 'accepted' }
  if (msg.event != null) {
    const a2aEvent = msg.event.a2aEvent ?? new Uint8Array(0)
    if (a2aEvent.length === 0) return 'event.a2aEvent is empty'
    return { type: 'event', a2aEvent: a2aEvent.slice() }
  }
  if (msg.end != null) {
    const costUsd = msg.end.costUsd ?? 0
    if (!Number.isFinite(costUsd) || costUsd < 0) return 'end.costUsd must be a finite number >= 0'
    return { type: 'end', agentLatencyMs: msg.end.agentLatencyMs ?? 0, costUsd: costUsd + 0, finalState: msg.end.finalState ?? 0 }
  }
  if (msg.error != null) {
    const text = msg.error.text ?? ''
    if (text.length > MAX_TASK_ERROR_TEXT) return `error.text exceeds ${MAX_TASK_ERROR_TEXT} chars`
    const org = msg.error.org ?? ''
    if (org !== '' && !ORG_PATTERN.test(org)) return 'error.org is malformed'
    return { type: 'error', code: taskErrorCodeOf(msg.error.code ?? 0), text, org }
  }
  if (msg.cancel != null) return { type: 'cancel' }
  return 'task frame has no body'
}
