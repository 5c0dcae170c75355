import '../daemon/runtime/polyfills.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

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
