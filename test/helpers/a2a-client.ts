/**
 * A2A calls to a daemon's /a2a/<capability> endpoint with the unmodified SDK client,
 * for tests: send (blocking), stream (all events), and the answer's text and server.
 */
import type { Message, StreamResponse, Task } from '@a2a-js/sdk'
import { ClientFactory } from '@a2a-js/sdk/client'
import { userMessage } from '../../daemon/a2a/a2a-text.ts'

export async function a2aSend (apiUrl: string, capability: string, text: string, metadata?: Record<string, unknown>): Promise<Message | Task> {
  const client = await new ClientFactory().createFromUrl(`${apiUrl}/a2a/${capability}/`)
  return await client.sendMessage({ tenant: '', message: userMessage(text), configuration: undefined, metadata })
}

export async function a2aStream (apiUrl: string, capability: string, text: string): Promise<StreamResponse[]> {
  const client = await new ClientFactory().createFromUrl(`${apiUrl}/a2a/${capability}/`)
  const events: StreamResponse[] = []
  for await (const e of client.sendMessageStream({ tenant: '', message: userMessage(text), configuration: undefined, metadata: undefined })) events.push(e)
  return events
}

/** servedBy.org/agent from a result's metadata ('' when absent). */
export function servedBy (result: Message | Task): string {
  const s = result.metadata?.servedBy as { org?: string, agent?: string } | undefined
  return s === undefined ? '' : `${s.org ?? ''}/${s.agent ?? ''}`
}
