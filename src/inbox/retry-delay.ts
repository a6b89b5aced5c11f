// Exponential backoff with jitter: retries of events that failed together spread out instead of
// hitting a recovering dependency at the same instant.

export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
}

/** The wait after failed attempt number `attempt` (1 for the first), between 80 % and 100 % of the nominal delay. */
export function retryDelayMs (attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(nominal * (0.8 + 0.2 * random()))
}
