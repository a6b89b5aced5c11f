// Promise.try (ES2025, Node 22+; this service runs on Node 20): a function's result as a promise,
// a synchronous throw as a rejection. For the hot path's functions that return a promise without
// being async, so that each call does not pay an async function's promise (and, with the run scope's
// async hooks on, a hook call) just to turn a throw into a rejection.

/**
 * `run()`'s result as a promise: its own promise when it returns one (no wrapper), a resolved one
 * for any other value, a rejected one when it throws.
 */
export function promiseTry<Result> (run: () => Result | Promise<Result>): Promise<Result> {
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(error)
  }
}
