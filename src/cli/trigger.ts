// Entry point of `npm run trigger -- <event.type>`: sends a signed test event to a running service.
import { stderrLine, stdoutLine } from './standard-streams.js'
import { runTriggerCommand } from './trigger-command.js'

process.exitCode = await runTriggerCommand(process.argv.slice(2), {
  env: process.env,
  out: stdoutLine,
  err: stderrLine,
  warn: stderrLine
})
