// Keeps refusal lines useful under a flood: per error code, the first few lines of each window are
// written and the rest only counted, then summed up in one line when the window ends. A forged
// flood or a store outage thus costs a bounded number of lines, and what was left out is still said.
import type { FastifyBaseLogger } from 'fastify'

export interface RefusalLogLimiter {
  /** True when a line for `code` may be written now; false when it is counted for the summary instead. */
  admit: (code: string) => boolean
  /** Writes the pending summaries and stops their timers (when the app closes). */
  flush: () => void
}

export interface RefusalLogLimits {
  /** Lines written per code and window, e.g. 20. */
  linesPerWindow: number
  /** The window, in milliseconds, e.g. 10000. */
  windowMs: number
}

interface CodeWindow {
  startedAt: number
  written: number
  suppressed: number
  summaryTimer: NodeJS.Timeout | null
}

export const defaultRefusalLogLimits: RefusalLogLimits = { linesPerWindow: 20, windowMs: 10_000 }

export function createRefusalLogLimiter (log: FastifyBaseLogger, limits: RefusalLogLimits = defaultRefusalLogLimits): RefusalLogLimiter {
  const windows = new Map<string, CodeWindow>()

  function summarise (code: string, window: CodeWindow): void {
    if (window.summaryTimer !== null) clearTimeout(window.summaryTimer)
    window.summaryTimer = null
    if (window.suppressed === 0) return
    log.warn({ code, suppressed: window.suppressed, windowSeconds: limits.windowMs / 1000 },
      `${window.suppressed} more ${code} refusals were not logged (at most ${limits.linesPerWindow} lines per code every ${limits.windowMs / 1000} s)`)
    window.suppressed = 0
  }

  function admit (code: string): boolean {
    const now = Date.now()
    let window = windows.get(code)
    if (window === undefined) {
      window = { startedAt: now, written: 0, suppressed: 0, summaryTimer: null }
      windows.set(code, window)
    } else if (now - window.startedAt >= limits.windowMs) {
      summarise(code, window)
      window.startedAt = now
      window.written = 0
    }
    if (window.written < limits.linesPerWindow) {
      window.written++
      return true
    }
    window.suppressed++
    if (window.summaryTimer === null) {
      const open = window
      // The summary must come even if the flood stops; the timer never holds the process open.
      open.summaryTimer = setTimeout(() => summarise(code, open), open.startedAt + limits.windowMs - now)
      open.summaryTimer.unref()
    }
    return false
  }

  return {
    admit,
    flush: () => { for (const [code, window] of windows) summarise(code, window) }
  }
}
