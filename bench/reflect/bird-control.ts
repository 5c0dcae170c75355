/**
 * A BIRD control-socket client (what `birdc` speaks): send one command line, read the
 * reply until its last line, a 4-digit code followed by a space ("0001 BIRD ready.",
 * "0000 ", "1002-..." continues). One connection is kept per daemon, so polling it every
 * few ms costs no process spawn.
 */
import { createConnection, type Socket } from 'node:net'

export class BirdControl {
  private readonly socket: Socket
  private buffer = ''
  private waiting?: { resolve: (lines: string[]) => void, reject: (err: Error) => void }
  private lines: string[] = []

  private constructor (socket: Socket) {
    this.socket = socket
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { this.onData(chunk) })
    socket.on('error', (err) => { this.waiting?.reject(err); this.waiting = undefined })
  }

  static async connect (path: string): Promise<BirdControl> {
    const socket = createConnection(path)
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    const control = new BirdControl(socket)
    await control.reply() // the greeting
    return control
  }

  async command (line: string): Promise<string[]> {
    const reply = this.reply()
    this.socket.write(line + '\n')
    return await reply
  }

  close (): void { this.socket.destroy() }

  private async reply (): Promise<string[]> {
    return await new Promise((resolve, reject) => { this.waiting = { resolve, reject } })
  }

  private onData (chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + 1)
      this.lines.push(line)
      if (/^\d{4} /.test(line)) {
        const done = this.lines
        this.lines = []
        const w = this.waiting
        this.waiting = undefined
        w?.resolve(done)
      }
    }
  }
}

/** Routes in table master4 from a `show route count` reply ("N of M routes for K networks in table master4"). */
export function routeCount (lines: readonly string[]): number {
  for (const line of lines) {
    const m = /(\d+) of \d+ routes for \d+ networks in table master4/.exec(line)
    if (m !== null) return Number(m[1])
  }
  return 0
}

/** Whether a `show protocols NAME` reply says the BGP session is Established. */
export function isEstablished (lines: readonly string[]): boolean {
  return lines.some((l) => /\bEstablished\b/.test(l))
}
