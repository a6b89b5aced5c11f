// Where the service's log goes: standard output, written off the event loop as pino's default
// destination is, except that a terminal that has gone away ends the logging instead of the process.
import { isatty } from 'node:tty'
import pino from 'pino'

/**
 * Standard output for the logger. Once its terminal is closed (the window, an ssh session), every
 * write to it fails with EIO. pino stops writing on EPIPE, a pipe whose reader is gone, but not on
 * EIO: the failed write became an uncaught error, that error's shutdown exited the process, and the
 * exit's synchronous flush retried the unwritten lines every 100 ms forever (sonic-boom's flushSync
 * sleeps and retries every error but EAGAIN): the process never ended. A closed terminal is treated
 * as pino treats a closed pipe: nothing more is written, the lines cannot reach anyone anyway.
 * Any other error of the destination (a full disk under a redirected log) is thrown as before.
 */
export function standardOutput (): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false })
  const terminal = isatty(1)
  // pino's own listener hands on every error but EPIPE by emitting it again: this one may see an error twice.
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (!terminal || error.code !== 'EIO') throw error
    destination.write = () => true
    destination.flushSync = () => {}
    destination.end = () => {}
  })
  return destination
}
