/**
 * The package version, and files the CLI ships beside its code (bin/atpd.js, examples/federation/) are found from
 * the package root, the nearest folder above this module with a package.json: the same
 * answer whether this module runs from its TypeScript source or from dist/.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
  return dir
}

export const PACKAGE_ROOT = findRoot()

/** A path inside the package, given relative to its root. */
export function packagePath (relative: string): string {
  return join(PACKAGE_ROOT, relative)
}

export const VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version
