// Loaded with `node --import`: prints every npm package an entry point loads, one
// `IMPORT <specifier>` line on stderr per bare specifier, so a test can check that a
// fast path (`--help`) stays off the heavy modules.
import { register } from 'node:module'

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve (specifier, context, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(specifier)) process.stderr.write('IMPORT ' + specifier + '\\n')
  return next(specifier, context)
}`))
