/**
 * reflector/: the routing engine every node runs (the Speaker) with its reflection
 * rules (RFC 4456). The public surface of the folder.
 */
export * from './cluster-list.ts'
export * from './export.ts'
export * from './interests.ts'
export * from './reflection.ts'
export * from './speaker-admission.ts'
export * from './speaker-damping.ts'
export * from './speaker-export.ts'
export * from './speaker-forwarding.ts'
export * from './speaker-freshness-queue.ts'
export * from './speaker-graceful-restart.ts'
export * from './speaker-import.ts'
export * from './speaker-neighbors.ts'
export * from './speaker-origination.ts'
export * from './speaker-refresh.ts'
export * from './speaker-sessions.ts'
export * from './speaker-state.ts'
export * from './speaker-timers.ts'
export * from './speaker-views.ts'
export * from './speaker.ts'
export * from './types.ts'
