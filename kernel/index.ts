/**
 * The kernel: what every layer shares and nothing in the repository is below. The
 * identifier rules, the ports through which the pure cores reach time, randomness and
 * keys, the typed errors, and the Merkle batch signature primitives.
 */
export * from './batch-signature.ts'
export * from './canonical-json.ts'
export * from './errors.ts'
export * from './fifo-map.ts'
export * from './ids/index.ts'
export * from './merkle-node-cache.ts'
export * from './merkle-tree.ts'
export * from './ports.ts'
export * from './same-bytes.ts'
