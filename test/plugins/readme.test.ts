// plugins/README.md against the code: it lists every file of plugins/, in the order the app
// registers them (src/app.ts's `register(` calls, and the plugins the modules it registers register).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'

const root = fileURLToPath(new URL('../../', import.meta.url))
const pluginsDir = join(root, 'plugins')

/** The modules `file` registers, in order, as paths from the repository's root (`plugins/config.ts`). */
function registeredModules (file: string): string[] {
  const source = readFileSync(file, 'utf8')
  const imports = new Map<string, string>()
  for (const [, name, from] of source.matchAll(/^import (\w+) from '(\.{1,2}\/[^']+)\.js'/gm)) {
    imports.set(name as string, relative(root, resolve(dirname(file), `${from as string}.ts`)))
  }
  return [...source.matchAll(/\.register\((\w+)/g)].flatMap(([, name]) => {
    const module = imports.get(name as string)
    return module === undefined ? [] : [module]
  })
}

/** The plugin files in the order the app registers them, those registered by its routes at the route's place. */
function registrationOrder (): string[] {
  return registeredModules(join(root, 'src/app.ts')).flatMap((module) => module.startsWith('plugins/')
    ? [module]
    : registeredModules(join(root, module)).filter((inner) => inner.startsWith('plugins/'))
  ).map((module) => module.slice('plugins/'.length))
}

/** The files the README's table lists, in its order. */
function readmeList (): string[] {
  const readme = readFileSync(join(pluginsDir, 'README.md'), 'utf8')
  return [...readme.matchAll(/^\| `([\w.-]+\.ts)` \|/gm)].map(([, file]) => file as string)
}

const pluginFiles = readdirSync(pluginsDir).filter((file) => file.endsWith('.ts')).sort()

test('the registration order is read from src/app.ts and the routes it registers', async (t) => {
  const order = registrationOrder()
  t.ok(order.length >= 8, `found ${order.length} registrations: ${order.join(', ')}`)
  t.equal(order[0], 'config.ts', 'the settings come first')
  t.equal(new Set(order).size, order.length, 'each plugin registered once')
})

test('every file of plugins/ is registered by the app', async (t) => {
  const registered = new Set(registrationOrder())
  t.same(pluginFiles.filter((file) => !registered.has(file)), [], 'plugins nothing registers')
})

test('plugins/README.md lists every file of plugins/ and nothing else', async (t) => {
  const listed = readmeList()
  t.same(pluginFiles.filter((file) => !listed.includes(file)), [], 'files of plugins/ the README misses')
  t.same(listed.filter((file) => !pluginFiles.includes(file)), [], 'files the README lists that plugins/ lacks')
  t.equal(new Set(listed).size, listed.length, 'each listed once')
})

test('plugins/README.md lists the plugins in the order the app registers them', async (t) => {
  const order = registrationOrder()
  const listed = readmeList().filter((file) => order.includes(file))
  t.same(listed, order)
})
