/**
 * Exponential backoff, the one formula every retry loop uses (RPC endpoints, the worker's loop,
 * webhook deliveries, the indexer's runner and observer, the start script's supervisor): the
 * delay doubles per attempt from `baseMs` up to `maxMs`, with a part of it random so that many
 * clients retrying at once spread out.
 */
export interface BackoffOptions {
  /** The delay of attempt 0. */
  baseMs: number;
  maxMs: number;
  /**
   * How much of the delay is random: none; half (uniform in [d/2, d]); full (uniform in [0, d],
   * "full jitter"). Default none.
   */
  jitter?: "none" | "half" | "full";
  /** Doublings stop here, however many attempts (default 30: the cap is reached long before). */
  maxDoublings?: number;
}

/** The delay before retry number `attempt` (0-based), in whole milliseconds. */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const doublings = Math.max(0, Math.min(attempt, options.maxDoublings ?? 30));
  const delay = Math.min(options.maxMs, options.baseMs * 2 ** doublings);
  switch (options.jitter ?? "none") {
    case "none":
      return Math.round(delay);
    case "half":
      return Math.round(delay / 2 + random() * (delay / 2));
    case "full":
      return Math.floor(random() * delay);
  }
}
