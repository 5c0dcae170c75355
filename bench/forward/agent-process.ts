/**
 * The forward bench's agent as a program of its own (an agent is another process in
 * real use; in the bench's own process a direct call would never leave its event loop,
 * while every forwarded call crosses three daemons): the echo reviewer of
 * daemon/a2a/echo-agent.ts on a free loopback port. Prints `{"url": …}` on stdout once
 * listening; exits when stdin closes (its parent went away) or on SIGTERM.
 */
import { startEchoAgent } from '../../daemon/a2a/echo-agent.ts'

const capability = process.argv[2] ?? 'code-review/python'
const agent = await startEchoAgent({ name: 'bench-reviewer', skills: [{ id: 'review', tags: [capability] }], costUsd: 0.01 })
process.stdout.write(`${JSON.stringify({ url: agent.url, pid: process.pid })}\n`)
const stop = (): void => { void agent.stop().finally(() => { process.exit(0) }) }
process.stdin.on('end', stop).on('close', stop).resume()
process.once('SIGTERM', stop)
