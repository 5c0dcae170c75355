/**
 * Serving one A2A JSON-RPC endpoint with @a2a-js/sdk on a plain node:http response:
 * the SDK's JsonRpcTransportHandler answers a parsed body with either one JSON-RPC
 * response or an async generator of them, which goes out as Server-Sent Events (the
 * streaming methods). Shared by the daemon's /a2a/<capability> endpoint and the demo
 * agents.
 */
import type { ServerResponse } from 'node:http'
import { formatSSEEvent, SSE_HEADERS } from '@a2a-js/sdk'
import { ServerCallContext } from '@a2a-js/sdk/server'

/** The SDK's JSON-RPC transport handlers (v1.0's JsonRpcTransportHandler, v0.3's LegacyJsonRpcTransportHandler). */
export interface JsonRpcHandler {
  handle (body: string | Record<string, unknown>, context: ServerCallContext): Promise<unknown>
}

export async function answerJsonRpc (
  handler: JsonRpcHandler, body: unknown, res: ServerResponse, context: ServerCallContext = new ServerCallContext()
): Promise<void> {
  const result = await handler.handle(body as Record<string, unknown>, context)
  if (!isAsyncGenerator(result)) {
    const text = JSON.stringify(result)
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
    return
  }
  res.writeHead(200, SSE_HEADERS)
  // A client that goes away ends the relay: the generator's finally-blocks run.
  res.on('close', () => { void result.return(undefined) })
  try {
    for await (const event of result) {
      if (res.destroyed) break
      res.write(formatSSEEvent(event))
    }
  } finally {
    res.end()
  }
}

function isAsyncGenerator (v: unknown): v is AsyncGenerator<unknown, void, undefined> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v
}
