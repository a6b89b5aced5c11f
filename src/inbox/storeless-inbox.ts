// The storeless mode (EVENT_STORE=none): handlers run inline, before the answer, with no
// deduplication and no retries but Stripe's.
import type { StripeHandlers } from '../routing/handler-router.js'
import type { EventInbox, GuardAndObserver } from './event-inbox.js'
import { handlerFailed } from './handler-failed.js'
import { logIgnored, takesLivemode } from './livemode-guard.js'

export function createStorelessInbox (handlers: StripeHandlers, { livemode, observer }: GuardAndObserver): EventInbox {
  return {
    receive: async (event, _payload, log) => {
      if (!takesLivemode(livemode, event.livemode)) {
        logIgnored(event, livemode, log)
        return 'ignored'
      }
      const startedAt = performance.now()
      try {
        const outcome = await handlers.dispatch(event, log)
        observer.observeAttempt(event.type, outcome, (performance.now() - startedAt) / 1000)
        return outcome
      } catch (error) {
        observer.observeAttempt(event.type, 'failed', (performance.now() - startedAt) / 1000)
        throw handlerFailed(event, error, log)
      }
    },
    drain: async () => {},
    stop: async () => {},
    stoppingAfterError: () => null,
    saturatedSince: () => null,
    unrecordedEndsSince: () => null,
    store: null
  }
}
