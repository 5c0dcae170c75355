export { createApiServer, listenApi, type ApiServerOptions } from './server.ts'
export type { DaemonFacade, HealthView, PutAgentResult } from './facade.ts'
export { toRouteJson, toCandidateJson, toPeerJson, toAgentJson, type RouteJson, type CandidateJson, type PeerJson } from './views.ts'
export { HttpError } from './errors.ts'
