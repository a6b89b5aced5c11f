// A copy of the project for the scaffold's tests, and the scaffold run in it with its output kept.
import { cpSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runNewHandlerCommand } from '../../src/cli/new-handler-command.js'
import { temporaryDir } from '../helper.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

/** A project with the service's code and test kit but none of its handlers, sharing node_modules. */
export function copyOfProject (t: Parameters<typeof temporaryDir>[0]): string {
  const root = temporaryDir(t)
  for (const entry of ['src', 'plugins', 'config', 'package.json', 'tsconfig.json', 'eslint.config.js', 'test/helper.ts']) {
    cpSync(join(projectRoot, entry), join(root, entry), { recursive: true })
  }
  symlinkSync(join(projectRoot, 'node_modules'), join(root, 'node_modules'), 'dir')
  return root
}

export async function scaffold (argv: string[], root: string): Promise<{ code: number, output: string }> {
  const lines: string[] = []
  const code = await runNewHandlerCommand(argv, { root, out: (line) => lines.push(line) })
  return { code, output: lines.join('\n') }
}
