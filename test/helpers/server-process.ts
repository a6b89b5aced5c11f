// The real server as a child process (src/server.ts under tsx), for what only a process shows:
// signals, exit codes, a kill in the middle of a stream.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { signPayload, TEST_WEBHOOK_SECRET } from '../helper.js'

const serverEntry = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
// By absolute URL: `--import tsx` resolves from the working directory, which is not the project's.
const tsxLoader = import.meta.resolve('tsx')
// The server reads `.env` in its working directory: by default it runs in an empty folder, so a
// developer's own .env in the project never leaks into a test.
const emptyWorkingDir = mkdtempSync(join(tmpdir(), 'stripe-router-cwd-'))

export interface ServerProcessOptions {
  /** The working directory (where `.env` is read); an empty folder unless a test needs its own. */
  cwd?: string
}

export interface ServerProcess {
  child: ChildProcess
  url: string
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>
}

export async function startServer (env: Record<string, string>, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', tsxLoader, serverEntry], {
    cwd: options.cwd ?? emptyWorkingDir,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const logs: Array<Record<string, unknown>> = []
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)))
    lines.on('line', (line) => {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        return
      }
      logs.push(entry)
      // The webhook's listener, not the ops listener of METRICS_PORT.
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(entry.msg))
      if (match?.[1] !== undefined && entry.listener === undefined) resolve(match[1])
    })
  })
  return { child, url, logs }
}

/** The exit code, once the process has exited (at once if it has already). */
export async function exited (child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  return await new Promise((resolve) => child.once('exit', resolve))
}

/** Posts a signed event; the status, or 'no answer' when the connection failed. */
export async function post (url: string, event: object): Promise<number | 'no answer'> {
  const payload = JSON.stringify(event)
  try {
    const response = await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) },
      body: payload
    })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 'no answer'
  }
}

export interface StartupRun {
  /** The exit code; null when the server was still running at the deadline and was stopped with SIGKILL. */
  code: number | null
  /** Everything the process wrote to stdout and stderr. */
  output: string
  /** The stdout lines that parsed as JSON. */
  logs: Array<Record<string, unknown>>
}

/**
 * Starts the server with `env` and collects its output until it exits, or until `timeoutMs` passes
 * (then it is killed): for start-ups that must be refused, and for what they print.
 */
export async function runServerUntilExit (env: Record<string, string>, timeoutMs = 30_000, options: ServerProcessOptions = {}): Promise<StartupRun> {
  // Without tap's NODE_OPTIONS: coverage of a process that only starts and stops is not worth
  // seconds of start-up each, several at once on a small machine.
  const { NODE_OPTIONS: _coverageHooks, ...inherited } = process.env
  const child = spawn(process.execPath, ['--import', tsxLoader, serverEntry], {
    cwd: options.cwd ?? emptyWorkingDir,
    env: { ...inherited, NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += String(chunk) })
  child.stderr.on('data', (chunk) => { output += String(chunk) })
  const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)))
  clearTimeout(deadline)
  const logs = output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>]
    } catch {
      return []
    }
  })
  return { code, output, logs }
}
