import { describe, expect, it } from 'vitest'
import { connectionMonitorInit } from '../../../daemon/p2p/libp2p-node.ts'

describe('libp2p connection monitor: the hold timer decides liveness', () => {
  it('never aborts a connection on a missed ping; pings at a third of the hold time', () => {
    expect(connectionMonitorInit(90)).toEqual({ enabled: true, pingInterval: 30_000, abortConnectionOnPingFailure: false })
    expect(connectionMonitorInit(3)).toMatchObject({ pingInterval: 1000, abortConnectionOnPingFailure: false })
  })

  it('is off with hold time 0 (no hold timer, no liveness check)', () => {
    expect(connectionMonitorInit(0)).toEqual({ enabled: false })
  })
})
