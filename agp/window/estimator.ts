/**
 * The usage estimate reserved against the token and dollar windows before a task
 * leaves. An interface, so an adapter that knows its model (a tokenizer, a price
 * list) can replace the default.
 */
import type { Usage } from './signals.ts'

export interface EstimateInput {
  /** Size of the message sent to the agent, in bytes (UTF-8). */
  readonly messageBytes: number
  /** The route's advertised cost per task. */
  readonly costUsd: number
}

export interface UsageEstimator {
  estimate (input: EstimateInput): Usage
}

/** Roughly four bytes of English text per token, the usual rule of thumb for BPE tokenizers. */
export const BYTES_PER_TOKEN = 4

/**
 * Tokens from the message size (the answer is counted as long as the question:
 * a reviewer's answer is rarely shorter), dollars from the advertised price.
 */
export const defaultEstimator: UsageEstimator = {
  estimate ({ messageBytes, costUsd }) {
    const bytes = Number.isFinite(messageBytes) && messageBytes > 0 ? messageBytes : 0
    return {
      tokens: 2 * Math.ceil(bytes / BYTES_PER_TOKEN),
      usd: Number.isFinite(costUsd) && costUsd > 0 ? costUsd : 0
    }
  }
}
