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
