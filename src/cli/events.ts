// Entry point of `npm run events -- <command>`: the operator's view of the event store.
import { runEventsCommand } from './events-command.js'

process.exitCode = await runEventsCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => { process.stdout.write(`${line}\n`) },
  err: (line) => { process.stderr.write(`${line}\n`) }
})
