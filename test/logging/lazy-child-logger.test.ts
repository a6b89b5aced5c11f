// A lazy child logger writes the lines a pino child would, with its bindings, and makes its pino
// child only for a line that is written; a child of one not made yet is a single pino child.
import { test } from 'tap'
import pino from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { logCapture } from '../helper.js'
import { lazyChildLogger } from '../../src/logging/lazy-child-logger.js'

/** A real pino logger at `level`, its lines, and how many children were made of it. */
function capturedLogger (level = 'info'): { log: FastifyBaseLogger, lines: Array<Record<string, unknown>>, children: () => number } {
  const { stream, logs } = logCapture()
  const root = pino({ level }, stream) as unknown as FastifyBaseLogger
  let made = 0
  // Counts the children made of the root; they are pino's own, so their children are not counted.
  const log = new Proxy(root, {
    get (target, property) {
      if (property === 'child') return (...args: Parameters<FastifyBaseLogger['child']>) => { made++; return target.child(...args) }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { log, lines: logs, children: () => made }
}

test('a child of a lazy child not made yet is one pino child with both bindings, in order', async (t) => {
  const { log, lines, children } = capturedLogger()
  const attemptLog = lazyChildLogger(log, { attempt: 2 })
  const eventLog = attemptLog.child({ eventId: 'evt_1', eventType: 'payment_intent.succeeded' })
  t.equal(children(), 0, 'nothing made before a line is written')
  eventLog.info({ amount: 100 }, 'handled')
  t.equal(children(), 1, 'one pino child for both loggers')
  t.match(lines, [{ attempt: 2, eventId: 'evt_1', eventType: 'payment_intent.succeeded', amount: 100, msg: 'handled' }])
  t.same(Object.keys(lines[0] ?? {}).filter((key) => ['attempt', 'eventId', 'eventType', 'amount'].includes(key)), ['attempt', 'eventId', 'eventType', 'amount'],
    'the parent\'s bindings first, as pino writes a child of a child')
  attemptLog.warn('the attempt\'s own line')
  t.match(lines[1], { attempt: 2, msg: 'the attempt\'s own line' })
  t.notOk('eventId' in (lines[1] ?? {}), 'the parent logger keeps only its own bindings')
})

test('a line below the level makes no child; a child asked with options, or of a child made already, is pino\'s own', async (t) => {
  const { log, lines, children } = capturedLogger('warn')
  const lazy = lazyChildLogger(log, { attempt: 1 })
  lazy.child({ eventId: 'evt_2' }).info('dropped')
  t.equal(children(), 0, 'a dropped line makes nothing')
  t.same(lines, [])
  const verbose = lazy.child({ eventId: 'evt_3' }, { level: 'debug' })
  verbose.debug('kept at its own level')
  t.match(lines, [{ attempt: 1, eventId: 'evt_3', msg: 'kept at its own level' }])
  lazy.error('made now')
  const made = children()
  lazy.child({ eventId: 'evt_4' }).error('child of a made child')
  t.match(lines.at(-1), { attempt: 1, eventId: 'evt_4', msg: 'child of a made child' })
  t.equal(children(), made, 'no new child of the parent: the made child is the parent of this one')
})
