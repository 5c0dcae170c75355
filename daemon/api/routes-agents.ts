/**
 * Local agents and outcomes: PUT/DELETE/GET /v1/agents, POST /v1/outcomes.
 */
import type { FastifyInstance } from 'fastify'
import type { LocalAgent, Outcome } from '../../reflector/index.ts'
import { zodIssues } from '../config/load.ts'
import { HttpError } from './errors.ts'
import type { DaemonFacade } from './facade.ts'
import { agentBodySchema, agentBodyZod, agentParamsSchema, outcomeBodySchema } from './schemas.ts'
import { toAgentJson } from './views.ts'

export async function agentRoutes (app: FastifyInstance, opts: { facade: DaemonFacade }): Promise<void> {
  const { facade } = opts

  app.get('/v1/agents', async () => ({ agents: facade.agents().map(toAgentJson) }))

  app.put<{ Params: { id: string }, Body: unknown }>('/v1/agents/:id', {
    schema: { params: agentParamsSchema, body: agentBodySchema }
  }, async (request, reply) => {
    const agent = parseAgent(request.params.id, request.body)
    const result = await facade.putAgent(agent)
    return await reply.code(result === 'created' ? 201 : 200).send({ result, agent: toAgentJson(agent) })
  })

  app.delete<{ Params: { id: string } }>('/v1/agents/:id', { schema: { params: agentParamsSchema } }, async (request) => {
    const removed = await facade.removeAgent(request.params.id)
    if (!removed) throw new HttpError(404, 'ERR_UNKNOWN_AGENT', `no local agent '${request.params.id}'`)
    return { removed: request.params.id }
  })

  app.post<{ Body: Outcome }>('/v1/outcomes', { schema: { body: outcomeBodySchema } }, async (request, reply) => {
    const o = request.body
    // Evidence for a path this daemon does not know would be kept for nothing (or for
    // a path that appears later under that name): refuse it, as the operator typed it.
    if (!facade.routes().some((v) => v.route.attrs.originOrg === o.org && v.route.attrs.agentId === o.agent)) {
      throw new HttpError(404, 'ERR_UNKNOWN_PATH', `no route from ${o.org}/${o.agent} in the Loc-RIB (see atp routes)`)
    }
    // The speaker checks again in loop order, and under the outcome's capability.
    if (!(await facade.recordOutcome(o))) {
      throw new HttpError(404, 'ERR_UNKNOWN_PATH', `no route from ${o.org}/${o.agent} under capability '${o.capability}' in the Loc-RIB (see atp routes)`)
    }
    return await reply.code(202).send({ accepted: true })
  })

  app.get('/v1/outcomes', async () => ({ outcomes: facade.outcomes() }))
}

/** The rules JSON Schema cannot express, with the config's own messages. */
function parseAgent (id: string, body: unknown): LocalAgent {
  const parsed = agentBodyZod.safeParse(body)
  if (!parsed.success) {
    const message = zodIssues(parsed.error).map((i) => `body.${i.path}: ${i.reason}`).join('; ')
    throw new HttpError(400, 'ERR_VALIDATION', message)
  }
  const { id: bodyId, ...fields } = parsed.data
  if (bodyId !== undefined && bodyId !== id) {
    throw new HttpError(400, 'ERR_VALIDATION', `body.id: '${bodyId}' differs from the id in the path ('${id}')`)
  }
  return { id, ...fields }
}
