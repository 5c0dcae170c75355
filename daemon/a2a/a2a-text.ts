/**
 * Small helpers over A2A messages and tasks (@a2a-js/sdk types): the text of a
 * message, a user message from text, the answer text of a result.
 */
import { randomUUID } from 'node:crypto'
import { type Message, Role, type Task } from '@a2a-js/sdk'

export function textOf (message: Message | undefined): string {
  if (message === undefined) return ''
  return message.parts.map((p) => p.content?.$case === 'text' ? p.content.value : '').join('')
}

export function userMessage (text: string, metadata?: Record<string, unknown>): Message {
  return {
    messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata, extensions: [], referenceTaskIds: []
  }
}

/** The answer of a finished task (its artifacts' text, else its status message) or a message's text. */
export function answerText (result: Message | Task): string {
  if ('parts' in result) return textOf(result)
  const artifacts = result.artifacts.flatMap((a) => a.parts).map((p) => p.content?.$case === 'text' ? p.content.value : '').join('')
  return artifacts !== '' ? artifacts : textOf(result.status?.message)
}
