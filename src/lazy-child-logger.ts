// A child logger made on first use. pino serialises a child's bindings when the child is made,
// which costs more than most handlers' work; a handler that logs nothing (or only below the level)
// should not pay for it on every event.
import type { FastifyBaseLogger } from 'fastify'

type Bindings = Record<string, unknown>
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

// pino's numeric levels; a logger writes a line when its level's number is at most the line's.
const levelValues: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity }
const enabled = (logger: FastifyBaseLogger, level: Level): boolean => (levelValues[logger.level] ?? 30) <= (levelValues[level] as number)

export function lazyChildLogger (parent: FastifyBaseLogger, bindings: Bindings): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined
  const real = (): FastifyBaseLogger => {
    child ??= parent.child(bindings)
    return child
  }
  const method = (level: Level) =>
    ((...args: Parameters<FastifyBaseLogger['info']>) => {
      // Below the level, pino would drop the line anyway: no child needed.
      if (!enabled(child ?? parent, level)) return
      real()[level](...args)
    }) as FastifyBaseLogger['info']
  return {
    get level () { return child?.level ?? parent.level },
    set level (level: string) { real().level = level },
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    silent: () => {},
    child: (more, options) => real().child(more, options)
  } as FastifyBaseLogger
}
