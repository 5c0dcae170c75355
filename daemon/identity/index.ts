export { loadOrCreateIdentity, readIdentity, IDENTITY_FILE, type NodeIdentity } from './identity.ts'
export { createEd25519Signer, createEd25519Verifier, createNodeHasher, type Ed25519VerifierOptions } from './keys.ts'
export { IdentityError } from './errors.ts'
