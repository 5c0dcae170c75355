/**
 * driver/: one node's driver, shared by the daemon and the simulator (pure: time,
 * timers, transport and storage are ports). The public surface of the folder.
 */
export * from './effect-executor.ts'
export * from './errors.ts'
export * from './event-loop.ts'
export * from './keyed-timers.ts'
export * from './ports.ts'
export * from './memory-sync-driver.ts'
