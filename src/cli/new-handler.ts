// Entry point of `npm run new-handler -- <event.type>`: scaffolds a handler, its test and a fixture.
import { fileURLToPath } from 'node:url'
import { stderrLine, stdoutLine } from './standard-streams.js'
import { runNewHandlerCommand } from './new-handler-command.js'

process.exitCode = await runNewHandlerCommand(process.argv.slice(2), {
  env: process.env,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  out: stdoutLine,
  err: stderrLine
})
