// Waits for a promise at most a given time: a probe or a scrape must answer while the database it
// reads is frozen. The promise itself is not cancelled; it settles on its own, later.

/** `promise`'s value, or `fallback` when it has not settled within `ms` milliseconds. */
export async function settleWithin<T, F> (promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<F>((resolve) => { timer = setTimeout(resolve, ms, fallback) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
