/**
 * A2A payloads inside task frames: the SDK's proto3 JSON mapping (toJSON/fromJSON),
 * as UTF-8 bytes. Parsing is where a hop's bad bytes become a typed error.
 */
import { SendMessageRequest, StreamResponse, type Message, type Task, TaskState } from '@a2a-js/sdk'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeA2aRequest (request: SendMessageRequest): Uint8Array {
  return encoder.encode(JSON.stringify(SendMessageRequest.toJSON(request)))
}

/** Throws on bytes that are not a SendMessageRequest with a message. */
export function decodeA2aRequest (bytes: Uint8Array): SendMessageRequest {
  const request = SendMessageRequest.fromJSON(JSON.parse(decoder.decode(bytes)))
  if (request.message === undefined) throw new Error('the A2A request carries no message')
  return request
}

export function encodeA2aEvent (event: StreamResponse): Uint8Array {
  return encoder.encode(JSON.stringify(StreamResponse.toJSON(event)))
}

/** Throws on bytes that are not a StreamResponse with a payload. */
export function decodeA2aEvent (bytes: Uint8Array): StreamResponse {
  const event = StreamResponse.fromJSON(JSON.parse(decoder.decode(bytes)))
  if (event.payload === undefined) throw new Error('the A2A event carries no payload')
  return event
}

/** A blocking call's result as the one event a stream would end with. */
export function resultEvent (result: Message | Task): StreamResponse {
  return 'parts' in result ? { payload: { $case: 'message', value: result } } : { payload: { $case: 'task', value: result } }
}

/** The task state an event reports ('message' answers count as completed). */
export function eventState (event: StreamResponse): TaskState | undefined {
  const p = event.payload
  switch (p?.$case) {
    case 'message': return TaskState.TASK_STATE_COMPLETED
    case 'task': return p.value.status?.state
    case 'statusUpdate': return p.value.status?.state
    default: return undefined
  }
}

/** A cost the agent reported in the event's metadata (`costUsd`), if any. */
export function reportedCostUsd (event: StreamResponse): number | undefined {
  const p = event.payload
  const metadata = p?.$case === 'task' || p?.$case === 'statusUpdate' || p?.$case === 'message' ? p.value.metadata : undefined
  const v = metadata?.costUsd as unknown
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
}

/** The agent's own task id, once an event names it. */
export function agentTaskId (event: StreamResponse): string | undefined {
  const p = event.payload
  if (p?.$case === 'task') return p.value.id
  if (p?.$case === 'statusUpdate' || p?.$case === 'artifactUpdate') return p.value.taskId
  return undefined
}

export function isFinalState (state: TaskState | undefined): boolean {
  return state === TaskState.TASK_STATE_COMPLETED || state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_CANCELED || state === TaskState.TASK_STATE_REJECTED
}
