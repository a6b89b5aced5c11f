// The service starts the same way from `npm start` and from the container image, any node flags
// included (a flag can change what the service costs), and the bench measures the router with npm
// start's arguments.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { startArguments } from '../../bench/lib/start-command.js'
import { temporaryDir } from '../helper.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

/** The exec-form CMD of a Dockerfile, as its array of strings. */
function dockerCmd (dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith('CMD '))
  const last = lines.at(-1)
  if (last === undefined) throw new Error('the Dockerfile has no CMD')
  return JSON.parse(last.slice('CMD '.length)) as string[]
}

test('npm start and the image\'s CMD give node the same arguments', async (t) => {
  const fromPackage = startArguments(projectRoot)
  const fromImage = dockerCmd(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'))
  t.same(fromImage, ['node', ...fromPackage], 'the Dockerfile runs what npm start runs')
  t.same(fromPackage, ['dist/src/server.js'], 'no node flags: V8\'s defaults')
})

test('a start script that is not a plain node command is refused, not half-read', async (t) => {
  const root = temporaryDir(t)
  for (const start of ['tsx src/server.ts', 'node', 'node dist/src/server.js && echo started', 'NODE_ENV=production node dist/src/server.js']) {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { start } }))
    t.throws(() => startArguments(root), /not a plain "node <flags> <script>" command/, start)
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { start: 'node  --max-old-space-size=512   dist/src/server.js' } }))
  t.same(startArguments(root), ['--max-old-space-size=512', 'dist/src/server.js'])
})
