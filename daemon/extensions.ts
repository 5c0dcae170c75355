/**
 * The extensions the atpd binary loads. daemon/memory provides
 * `memoryExtension: AtpdExtensionFactory` from daemon/memory/extension.ts; it is loaded
 * when present so that the daemon runs (without memory) while that module is absent.
 */
import type { AtpdExtensionFactory } from './extension.ts'

// Built (dist/*.js) or run from source (*.ts): the module sits beside this one either way.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

const OPTIONAL: readonly { readonly specifier: string, readonly exportName: string }[] = [
  { specifier: `./memory/extension${EXT}`, exportName: 'memoryExtension' },
  { specifier: `./dataplane/extension${EXT}`, exportName: 'dataPlaneExtension' }
]

export async function defaultExtensions (): Promise<AtpdExtensionFactory[]> {
  const out: AtpdExtensionFactory[] = []
  for (const { specifier, exportName } of OPTIONAL) {
    let mod: Record<string, unknown>
    try {
      mod = await import(new URL(specifier, import.meta.url).href) as Record<string, unknown>
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(specifier.slice(2))) continue
      throw err
    }
    const factory = mod[exportName]
    if (typeof factory !== 'function') throw new Error(`${specifier} does not export ${exportName}()`)
    out.push(factory as AtpdExtensionFactory)
  }
  return out
}
