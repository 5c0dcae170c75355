/**
 * Namespace access: `members` may read, `writers` may write (a writer is a member).
 * Config: memory.namespaces: [{ id, members, writers }].
 */
export interface NamespaceConfig {
  readonly id: string
  readonly members: readonly string[]
  readonly writers: readonly string[]
}

export function canRead (ns: NamespaceConfig, org: string): boolean {
  return ns.members.includes(org) || ns.writers.includes(org)
}

export function canWrite (ns: NamespaceConfig, org: string): boolean {
  return ns.writers.includes(org)
}
