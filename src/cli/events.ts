// Entry point of `npm run events -- <command>`: the operator's view of the event store. Results go
// to stdout, so they can be piped; what was opened and what went wrong, to stderr.
import { stderrLine, stdoutLine } from './standard-streams.js'
import { runEventsCommand } from './events-command.js'

process.exitCode = await runEventsCommand(process.argv.slice(2), {
  env: process.env,
  out: stdoutLine,
  err: stderrLine
})
