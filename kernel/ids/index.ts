/** The identifier rules, each in one home: capability (capability.ts) and the ids (identifiers.ts). */
export * from './capability.ts'
export * from './id-rule.ts'
export * from './identifiers.ts'
