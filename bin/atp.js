#!/usr/bin/env node
// `atp`: runs the compiled CLI from dist/. In a source checkout (cli/atp.ts present and
// tsx installed as a dev dependency) it runs the TypeScript source instead, so that
// `npx atp` always runs the code being edited, without a build step.
import { startEntry } from './entry.js'

await startEntry('cli/atp')
