// Every handler file ships with a test of its own, at test/handlers/<event.type>.test.ts, wherever
// in handlers/ it sits; shared code under handlers/lib/ is no handler and needs none of its own.
import { existsSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { listHandlerFiles } from '../../src/routing/handler-loader.js'

const handlersDir = fileURLToPath(new URL('../../handlers/', import.meta.url))
const handlerTestsDir = new URL('../handlers/', import.meta.url)

test('every handler file has its own test file', async (t) => {
  const handlerFiles = await listHandlerFiles(handlersDir)
  t.ok(handlerFiles.length > 0, 'the seed handlers are there')
  for (const path of handlerFiles) {
    const testFile = `${basename(path, extname(path))}.test.ts`
    t.ok(existsSync(new URL(testFile, handlerTestsDir)), `${path.slice(handlersDir.length)} is tested by test/handlers/${testFile}`)
  }
})
