// How the service is started where it ships: `npm start`'s command, node's own flags included (they
// change how it runs: see README, "Garbage collection on one thread"). The bench starts the router
// the same way, and test/project/start-command.test.ts holds the Dockerfile's CMD to it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The arguments `npm start` gives node, e.g. ['--single-threaded-gc', 'dist/src/server.js'], read
 * from package.json in `projectRoot`. Throws when the start script is not a plain `node ...` command.
 */
export function startArguments (projectRoot: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const [command, ...args] = (scripts.start ?? '').trim().split(/\s+/)
  if (command !== 'node' || args.length === 0 || args.some((arg) => /["'$&|;<>`]/.test(arg))) {
    throw new Error(`package.json's start script is not a plain "node <flags> <script>" command: ${String(scripts.start)}`)
  }
  return args
}
