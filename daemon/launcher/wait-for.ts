/**
 * Waits on a condition, never on a guess: polls `probe` until it returns a value other
 * than undefined/false, or fails with the last observation after `timeoutMs`.
 */
export async function waitFor<T> (
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number, intervalMs?: number, what?: string } = {}
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
      last = v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}; last: ${String(last)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100))
  }
}
