// Every handler file ships with a test of its own, at test/handlers/<event.type>.test.ts.
import { existsSync, readdirSync } from 'node:fs'
import { test } from 'tap'

const handlersDir = new URL('../handlers/', import.meta.url)
const handlerTestsDir = new URL('handlers/', import.meta.url)

test('every handler file has its own test file', async (t) => {
  const handlerFiles = readdirSync(handlersDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  t.ok(handlerFiles.length > 0, 'the seed handlers are there')
  for (const file of handlerFiles) {
    const testFile = file.replace(/\.ts$/, '.test.ts')
    t.ok(existsSync(new URL(testFile, handlerTestsDir)), `handlers/${file} is tested by test/handlers/${testFile}`)
  }
})
