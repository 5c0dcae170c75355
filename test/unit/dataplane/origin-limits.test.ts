// The origin's limits in the data plane: a task for a local agent is admitted against
// the agent's OriginLimiter under the consumer org the request names, refused with
// Overloaded (which the consumer's window backs off on) when that org is over its
// share, and its slot is released with the reported cost when the task ends.
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { OriginLimiter } from '../../../agp/index.ts'
import { TaskErrorCode, type TaskRequestFrame } from '../../../agp/task/task-frame.ts'
import type { LocalAgent } from '../../../reflector/index.ts'
import { userMessage } from '../../../daemon/a2a/a2a-text.ts'
import { encodeA2aRequest } from '../../../daemon/dataplane/a2a-codec.ts'
import { AgentClients } from '../../../daemon/dataplane/agent-clients.ts'
import type { TaskReply } from '../../../daemon/dataplane/task-leg.ts'
import { TaskRouter } from '../../../daemon/dataplane/task-router.ts'

const request = (consumerOrg: string): TaskRequestFrame => ({
  type: 'request', taskId: 't', capability: 'review', originOrg: 'acme', agentId: 'rev', deadlineMs: 60_000, hops: 1,
  a2aRequest: encodeA2aRequest({ tenant: '', message: userMessage('x'), configuration: undefined, metadata: undefined }), stream: false, consumerOrg
})

describe('TaskRouter origin limits', () => {
  it('refuses an org over its share of maxInFlight with Overloaded, per consumer org', () => {
    const limiter = new OriginLimiter({ maxInFlight: 2 })
    const acquired: string[] = []
    const router = new TaskRouter({
      libp2p: undefined as never,
      forwardTarget: () => ({ kind: 'local', agentId: 'rev' }),
      // An endpoint nobody listens on: an admitted task's leg fails later, asynchronously.
      localAgent: () => ({ id: 'rev', costUsd: 0.1, endpoint: 'http://127.0.0.1:9' }) as unknown as LocalAgent,
      clients: new AgentClients(),
      logger: pino({ level: 'silent' }),
      nowMs: () => 0,
      originLimits: {
        acquire: (agent, org, estimate) => { acquired.push(org); return limiter.acquire(org, estimate, 0) },
        release: (_agent, org, estimate, actual) => { limiter.release(org, estimate, actual, 0) }
      }
    }, 'acme', { timeoutMs: 60_000, attempts: 1, maxInFlight: 100, maxMessageBytes: 65536 })
    const replies: Record<string, TaskReply[]> = { a1: [], a2: [], b1: [] }
    router.dispatch(request('initech'), 'p1', (r) => replies.a1?.push(r))
    router.dispatch(request('globex'), 'p2', (r) => replies.b1?.push(r))
    // Two active orgs share 2 slots: initech's second task is over its share.
    router.dispatch(request('initech'), 'p1', (r) => replies.a2?.push(r))
    expect(acquired).toEqual(['initech', 'globex', 'initech'])
    expect(replies.a1).toEqual([])
    expect(replies.b1).toEqual([])
    expect(replies.a2?.[0]).toMatchObject({ type: 'error', code: TaskErrorCode.Overloaded })
    expect(String((replies.a2?.[0] as { text: string }).text)).toContain('origin limit (maxInFlight) of rev at acme reached for initech')
  })
})
