// `npm run dev`: the server under tsx watch (restarted when a source or handler file changes, its
// JSON logs made readable through pino-pretty) and the type checker in watch mode beside it, in one
// terminal, from any shell on Linux, macOS or Windows. Ctrl-C (SIGINT) or SIGTERM stops both.
// Runs in the project folder (npm runs scripts there), whose .env the server reads.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import pinoPretty from 'pino-pretty'
import { shortTypeCheckLine } from './type-check-output.js'

const require = createRequire(import.meta.url)

/** The file of a package's command (`bin`), run with this same node rather than through a shell. */
function commandOf (packageName: string, command: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`)
  const { bin } = require(manifestPath) as { bin: string | Record<string, string> }
  return join(dirname(manifestPath), typeof bin === 'string' ? bin : bin[command] ?? '')
}

// POSIX: each child in its own process group, so a terminal's Ctrl-C reaches them once, from here,
// and the server's graceful shutdown is not cut short by a second signal. Windows has no groups.
const ownGroup = process.platform !== 'win32'

const server = spawn(process.execPath, [commandOf('tsx', 'tsx'), 'watch', '--clear-screen=false', '--include', 'handlers/**', 'src/server.ts'], {
  env: { ...process.env, NODE_ENV: 'development' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: ownGroup
})
server.stdout?.pipe(pinoPretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', destination: 1, sync: true }))

const typeChecker = spawn(process.execPath, [commandOf('typescript', 'tsc'), '--noEmit', '--watch', '--preserveWatchOutput', '--pretty', 'false', '-p', 'tsconfig.json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: ownGroup
})
process.stdout.write('[tsc] checking types in watch mode: type errors show here as you save\n')
createInterface({ input: typeChecker.stdout as NodeJS.ReadableStream }).on('line', (line) => {
  const short = shortTypeCheckLine(line)
  if (short !== null) process.stdout.write(`[tsc] ${short}\n`)
})

const children: ChildProcess[] = [server, typeChecker]
let stopping = false

function stop (signal: NodeJS.Signals): void {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM')
}

process.on('SIGINT', () => { stop('SIGINT') })
process.on('SIGTERM', () => { stop('SIGTERM') })
// When either child ends on its own (a crash of tsx itself), the loop is broken: stop the other too.
await Promise.all(children.map(async (child) => await new Promise<void>((resolve) => {
  child.once('exit', () => {
    stop('SIGTERM')
    resolve()
  })
})))
process.exitCode = server.exitCode ?? 0
