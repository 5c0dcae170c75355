import '../daemon/runtime/polyfills.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll } from 'vitest'

// FC_SEED pins every property's seed (CI sets it, so a run is reproducible and a red run
// names its counterexample again on the next); without it each run explores new inputs.
if (process.env.FC_SEED !== undefined && process.env.FC_SEED !== '') fc.configureGlobal({ seed: Number(process.env.FC_SEED) })

// Every temporary folder a test file makes (its own, its daemons', the CLI's) goes under
// one folder per test file, removed when the file ends: os.tmpdir() reads TMPDIR, and
// child processes inherit it. `npm test` leaves nothing behind.
const previous = process.env.TMPDIR
const scratch = mkdtempSync(join(tmpdir(), 'atpd-test-'))
process.env.TMPDIR = scratch
afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = previous
  rmSync(scratch, { recursive: true, force: true })
})
