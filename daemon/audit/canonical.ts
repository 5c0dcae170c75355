/**
 * Audit records are hashed in canonical JSON (keys sorted, no whitespace, undefined
 * fields dropped), so re-serializing a record (another JSON library, another key
 * order) never changes its hash. One implementation, shared with the memory stateHash.
 */
export { canonicalJson } from '../../kernel/index.ts'
