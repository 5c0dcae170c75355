#!/usr/bin/env node
// `atpd`: runs the compiled daemon from dist/. In a source checkout (cli/atpd.ts present
// and tsx installed as a dev dependency) it runs the TypeScript source instead.
import { startEntry } from './entry.js'

await startEntry('cli/atpd')
