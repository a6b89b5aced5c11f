// What the inbox tells whoever watches its handler runs (the metrics plugin): each run's end, and
// each run that went wrong beyond a thrown error.
import type { AttemptOutcome } from '../store/event-store.js'

/**
 * Runs that went wrong beyond a thrown error: slow (past half of HANDLER_TIMEOUT_MS), timed_out,
 * lease_lost, uncaught (a handler callback threw outside its promise), suspected_duplicate (a success
 * the instance could not record before it stopped), abandoned (failed at claim time after its last
 * allowed run stopped).
 */
export const runFaults = ['slow', 'timed_out', 'lease_lost', 'uncaught', 'suspected_duplicate', 'abandoned'] as const
export type RunFault = typeof runFaults[number]

export interface AttemptObserver {
  /** One handler run ended: its event type, outcome and duration in seconds. */
  observeAttempt: (type: string, outcome: AttemptOutcome, seconds: number) => void
  /** One handler run was slow, timed out, lost its lease, ... (see RunFault). */
  countRunFault: (type: string, fault: RunFault) => void
}
