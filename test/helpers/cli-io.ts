/** A CliIo that captures output, for running the real `atp` program in-process. */
import type { CliIo } from '../../cli/context.ts'

export interface CapturedIo extends CliIo {
  stdout: string
  stderr: string
}

export function captureIo (env: Record<string, string | undefined> = {}): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    env,
    out (text) { io.stdout += text },
    err (text) { io.stderr += text }
  }
  return io
}
