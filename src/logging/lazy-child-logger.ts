// A child logger made on first use. pino serialises a child's bindings when the child is made,
// which costs more than most handlers' work; a handler that logs nothing (or only below the level)
// should not pay for it on every event. A class, so that each event costs one small object.
import type { FastifyBaseLogger } from 'fastify'

type Bindings = Record<string, unknown>
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArguments = Parameters<FastifyBaseLogger['info']>

// pino's numeric levels; a logger writes a line when its level's number is at most the line's.
const levelValues: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity }

/** Whether `log` writes lines of `level`: a caller can skip building a line that would be dropped. */
export function logsAt (log: FastifyBaseLogger, level: Level): boolean {
  return (levelValues[log.level] ?? 30) <= (levelValues[level] as number)
}

class LazyChildLogger {
  #child: FastifyBaseLogger | undefined
  readonly #parent: FastifyBaseLogger
  readonly #bindings: Bindings

  constructor (parent: FastifyBaseLogger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  #real (): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings)
    return this.#child
  }

  #write (level: Level, args: LogArguments): void {
    // Below the level, pino would drop the line anyway: no child needed.
    if (!logsAt(this.#child ?? this.#parent, level)) return
    (this.#real()[level] as (...line: LogArguments) => void)(...args)
  }

  get level (): string { return (this.#child ?? this.#parent).level }
  set level (level: string) { this.#real().level = level }
  fatal (...args: LogArguments): void { this.#write('fatal', args) }
  error (...args: LogArguments): void { this.#write('error', args) }
  warn (...args: LogArguments): void { this.#write('warn', args) }
  info (...args: LogArguments): void { this.#write('info', args) }
  debug (...args: LogArguments): void { this.#write('debug', args) }
  trace (...args: LogArguments): void { this.#write('trace', args) }
  silent (): void {}
  // A child of a child not made yet is one child of the parent with both bindings, in the same order
  // on each line: a run's logger (its attempt) and the handler's (its event) cost one pino child, not two.
  child (...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    const [bindings, options] = args
    if (this.#child === undefined && options === undefined) return lazyChildLogger(this.#parent, { ...this.#bindings, ...bindings })
    return this.#real().child(...args)
  }
}

export function lazyChildLogger (parent: FastifyBaseLogger, bindings: Bindings): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings) as unknown as FastifyBaseLogger
}
