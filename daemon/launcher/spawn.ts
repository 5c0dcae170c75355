/**
 * The one way this package starts an atpd process (`node bin/atpd.js ARGS`), for the
 * CLI's federations, the emulator, the integration fixture and the soak; and the one
 * way it stops one: by process group when the daemon leads its own, so nothing the
 * daemon started outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { packagePath } from '../package-root.ts'

export const ATPD_BIN = packagePath('bin/atpd.js')

export interface SpawnOptions {
  /** Output sink: a callback (captured, e.g. for tests) or a log file appended to. */
  readonly output: ((text: string) => void) | { readonly logFile: string }
  /** Extra node flags before the script (e.g. --max-old-space-size). */
  readonly nodeArgs?: readonly string[]
  /**
   * Own process group: a terminal's Ctrl-C reaches only the parent, which then stops
   * each daemon with exactly one SIGTERM (a second signal forces an unclean exit).
   */
  readonly detached?: boolean
}

export interface SpawnedAtpd {
  readonly child: ChildProcess
  /** Resolves with the exit code (128 for a signal) once the output is fully read. */
  readonly exit: Promise<number | null>
}

export function spawnAtpd (args: readonly string[], opts: SpawnOptions): SpawnedAtpd {
  const argv = [...(opts.nodeArgs ?? []), ATPD_BIN, ...args]
  let child: ChildProcess
  if (typeof opts.output === 'function') {
    // Captured output is read by programs (tests): no runtime warnings mixed into it.
    const env = { ...process.env, NODE_NO_WARNINGS: '1' }
    child = spawn(process.execPath, argv, { cwd: packagePath('.'), stdio: ['ignore', 'pipe', 'pipe'], env, detached: opts.detached ?? false })
    const onOutput = opts.output
    child.stdout?.setEncoding('utf8').on('data', onOutput)
    child.stderr?.setEncoding('utf8').on('data', onOutput)
  } else {
    const fd = openSync(opts.output.logFile, 'a')
    try {
      child = spawn(process.execPath, argv, { stdio: ['ignore', fd, fd], detached: opts.detached ?? false })
    } finally {
      closeSync(fd)
    }
  }
  // 'close', not 'exit': 'exit' may fire before the last output was read, and a caller
  // that checks what the daemon printed on its way out would then race it.
  const exit = new Promise<number | null>((resolve) => {
    child.on('close', (code, signal) => { resolve(code ?? (signal !== null ? 128 : null)) })
  })
  return { child, exit }
}

/** Signals the daemon's process group when it leads one (detached), else the process. */
export function signalAtpd (child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  if (groupLeaders.has(child)) {
    try {
      process.kill(-child.pid, signal)
      return
    } catch { /* the group is gone: fall back to the process */ }
  }
  child.kill(signal)
}

const groupLeaders = new Set<ChildProcess>()

/**
 * spawnAtpd with `detached: true`, remembered so signalAtpd signals the whole group. A
 * daemon in its own group does not get the terminal's signals: if this process exits
 * without stopping it, one SIGTERM goes to every group still running.
 */
export function spawnAtpdGroup (args: readonly string[], opts: Omit<SpawnOptions, 'detached'>): SpawnedAtpd {
  const spawned = spawnAtpd(args, { ...opts, detached: true })
  if (groupLeaders.size === 0) process.once('exit', reapGroups)
  groupLeaders.add(spawned.child)
  spawned.child.once('exit', () => {
    groupLeaders.delete(spawned.child)
    if (groupLeaders.size === 0) process.removeListener('exit', reapGroups)
  })
  return spawned
}

function reapGroups (): void {
  for (const child of groupLeaders) signalAtpd(child, 'SIGTERM')
}

/**
 * The one clean stop: SIGTERM (NOTIFICATION cease to neighbors, flush), SIGKILL after
 * graceMs if the daemon is still there; resolves with its exit code.
 */
export async function stopAtpd (spawned: SpawnedAtpd, graceMs: number): Promise<number | null> {
  signalAtpd(spawned.child, 'SIGTERM')
  const timer = setTimeout(() => { signalAtpd(spawned.child, 'SIGKILL') }, graceMs)
  try {
    return await spawned.exit
  } finally {
    clearTimeout(timer)
  }
}
