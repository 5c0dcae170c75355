/**
 * The extensions the atpd binary runs: memory (daemon/memory/extension.ts), the A2A
 * data plane (daemon/dataplane/extension.ts) and outcome sharing between the sites of
 * one org (daemon/outcomes/extension.ts). Static imports: every one is part of
 * the package, so there is nothing to probe for at run time and a broken module fails
 * the build instead of being skipped.
 */
import type { AtpdExtensionFactory } from './extension.ts'
import { dataPlaneExtension } from './dataplane/extension.ts'
import { memoryExtension } from './memory/extension.ts'
import { outcomeSharingExtension } from './outcomes/extension.ts'

export function defaultExtensions (): AtpdExtensionFactory[] {
  return [memoryExtension, dataPlaneExtension, outcomeSharingExtension]
}
