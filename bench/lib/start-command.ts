// How the service is started where it ships: `npm start`'s command, with any flags it gives node
// (they can change what the service costs). The bench starts the router the same way, and
// test/project/start-command.test.ts holds the Dockerfile's CMD to it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The arguments `npm start` gives node, e.g. ['dist/src/server.js'], read
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
