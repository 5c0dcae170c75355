import { describe, expect, it } from 'vitest'
import { isStreamError } from '../../../daemon/p2p/stream-errors.ts'

function named (name: string, message = 'x'): Error {
  const e = new Error(message)
  e.name = name
  return e
}

describe('isStreamError', () => {
  it('knows libp2p stream, connection and muxer errors by name and socket errors by code', () => {
    for (const name of ['StreamResetError', 'StreamStateError', 'ConnectionClosedError', 'MuxerClosedError', 'AbortError', 'TimeoutError']) {
      expect(isStreamError(named(name)), name).toBe(true)
    }
    for (const code of ['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']) {
      expect(isStreamError(Object.assign(new Error('x'), { code })), code).toBe(true)
    }
  })

  it('never decides by the message: a plain error that mentions a stream is the process’s', () => {
    expect(isStreamError(new Error('Connection to the store timed out'))).toBe(false)
    expect(isStreamError(new TypeError('cannot read properties of undefined (reading "stream")'))).toBe(false)
    expect(isStreamError(named('InvalidParametersError', 'stream reset'))).toBe(false)
    expect(isStreamError('ECONNRESET')).toBe(false)
  })
})
