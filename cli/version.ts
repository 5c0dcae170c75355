/** The package version, read once from the package.json beside the code. */
import { readFileSync } from 'node:fs'
import { packagePath } from '../daemon/package-root.ts'

export const VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version
