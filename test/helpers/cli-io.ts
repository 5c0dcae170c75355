/** A CliIo that captures output, for running the real `atp` program in-process. */
import type { CliIo } from '../../cli/context.ts'
import { runCli } from '../../cli/program.ts'

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

export interface AtpRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `atp` program in-process with `args`, capturing its output. */
export async function runAtp (args: readonly string[], env: Record<string, string | undefined> = {}): Promise<AtpRun> {
  const io = captureIo(env)
  const code = await runCli([...args], io)
  return { code, stdout: io.stdout, stderr: io.stderr }
}
