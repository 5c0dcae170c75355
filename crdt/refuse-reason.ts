/** Why an envelope was refused. Each is counted (Replica.counters) and logged by the driver. */
export type RefuseReason =
  | 'wrong-namespace'
  | 'oversize'
  | 'not-writer'
  | 'org-mismatch'
  | 'bad-signature'
  | 'replay'
  | 'foreign-client-id'
  | 'foreign-structs'
  | 'clock-gap'
  | 'missing-references'
  | 'bad-root'
  | 'malformed-update'
  | 'bad-deps'
  | 'parking-full'
  | 'bad-value'

export const REFUSE_REASONS: readonly RefuseReason[] = [
  'wrong-namespace', 'oversize', 'not-writer', 'org-mismatch', 'bad-signature', 'replay',
  'foreign-client-id', 'foreign-structs', 'clock-gap', 'missing-references', 'bad-root',
  'malformed-update', 'bad-deps', 'parking-full', 'bad-value'
]
