// Entry point of `npm run endpoints -- check`: handlers on disk against the Stripe endpoint's subscriptions.
import { fileURLToPath } from 'node:url'
import { stderrLine, stdoutLine } from './standard-streams.js'
import { runEndpointsCommand } from './endpoints-command.js'

process.exitCode = await runEndpointsCommand(process.argv.slice(2), {
  env: process.env,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  out: stdoutLine,
  err: stderrLine
})
