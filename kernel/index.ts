/**
 * The kernel: what every layer shares and nothing in the repository is below. The
 * identifier rules, the ports through which the pure cores reach time, randomness and
 * keys, and the typed errors.
 */
export * from './canonical-json.ts'
export * from './errors.ts'
export * from './ids/index.ts'
export * from './ports.ts'
