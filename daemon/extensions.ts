/**
 * The extensions the atpd binary runs: memory (daemon/memory/extension.ts) and the A2A
 * data plane (daemon/dataplane/extension.ts). Static imports: both modules are part of
 * the package, so there is nothing to probe for at run time and a broken module fails
 * the build instead of being skipped.
 */
import type { AtpdExtensionFactory } from './extension.ts'
import { dataPlaneExtension } from './dataplane/extension.ts'
import { memoryExtension } from './memory/extension.ts'

export function defaultExtensions (): AtpdExtensionFactory[] {
  return [memoryExtension, dataPlaneExtension]
}
