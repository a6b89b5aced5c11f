// Why a run's AbortSignal fired: the reasons a handler's run is cut short without its own error.
// Their messages become the attempt's recorded error, so they say what happened in the field's words.

/** The run passed HANDLER_TIMEOUT_MS: it counts as failed and is retried with back-off. */
export class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError'
  constructor (timeoutMs: number) {
    super(`the handler ran past HANDLER_TIMEOUT_MS (${timeoutMs} ms)`)
  }
}

/** The run's claim was lost (its lease expired and another claim took the event): it cannot settle the event. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError'
  constructor () {
    super('the lease on the event was lost while its handler ran; a newer claim runs it')
  }
}

/** The instance stopped after an uncaught error, past its grace, while the run was still going: the run counts. */
export class StoppedAfterErrorError extends Error {
  override name = 'StoppedAfterErrorError'
  constructor () {
    super('the instance stopped after an uncaught error while the handler ran')
  }
}

/** A clean stop (SIGTERM) past its grace: the run is given back uncounted, for another worker to run. */
export class RunReleasedError extends Error {
  override name = 'RunReleasedError'
  constructor () {
    super('the instance stopped before the handler finished; the event is released for retry')
  }
}

/**
 * A run's AbortController, whose AbortSignal is made only when read (by a handler that takes
 * `context.signal`): most handlers never read it, and an AbortController with a listener cost some
 * microseconds per run, a few per cent of a delivery. abort(reason) behaves as AbortController's:
 * the first reason wins, and a signal made afterwards is made aborted with it.
 */
export class LazyAbortController {
  #controller: AbortController | null = null
  #aborted = false
  #reason: unknown
  #rejectRun: ((reason: unknown) => void) | null = null

  get signal (): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  abort (reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
    this.#rejectRun?.(reason)
  }

  /**
   * Settles as `work` does, unless the run is aborted first (or already was): then it rejects with
   * the abort's reason, and `work`'s later end is ignored. One per run: a second call replaces the first's abort.
   * One promise, where Promise.race with a promise of the abort made five (each a hook call with the run scope on).
   */
  settleFirst<T> (work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      work.then(resolve, reject)
      if (this.#aborted) reject(this.#reason)
      else this.#rejectRun = reject
    })
  }
}
