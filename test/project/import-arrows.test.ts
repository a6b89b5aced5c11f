// Arrows point one way: the plugins wrap what src/ exports, and nothing under src/ imports from
// plugins/ but the app (which registers them) and the routes (which run inside them).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'

const root = fileURLToPath(new URL('../../', import.meta.url))
const srcDir = join(root, 'src')
const pluginsDir = join(root, 'plugins')

// Imports of plugins/ allowed from src/, by importing file (relative to the repository, with /).
const mayImportPlugins = (file: string): boolean => file === 'src/app.ts' || /^src\/routes\/[^/]+\.ts$/.test(file)

function typeScriptFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return typeScriptFiles(path)
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : []
  })
}

// Static imports and re-exports (`... from '...'`), side-effect imports and dynamic `import('...')`.
const specifierPattern = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g

/** The files under plugins/ that `file` imports, relative to the repository with / (e.g. plugins/config.ts). */
function importedPlugins (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const plugins: string[] = []
  for (const match of text.matchAll(specifierPattern)) {
    const specifier = match[1] ?? match[2] ?? ''
    if (!specifier.startsWith('.')) continue
    const target = resolve(dirname(file), specifier)
    if (target.startsWith(pluginsDir + sep)) plugins.push(relative(root, target).split(sep).join('/').replace(/\.js$/, '.ts'))
  }
  return plugins
}

const arrows = typeScriptFiles(srcDir).flatMap((path) => {
  const file = relative(root, path).split(sep).join('/')
  return importedPlugins(path).map((plugin) => ({ file, plugin }))
})

test('the scan finds the arrows it must: the app imports every plugin it registers', async (t) => {
  const fromApp = arrows.filter(({ file }) => file === 'src/app.ts').map(({ plugin }) => plugin)
  t.ok(fromApp.includes('plugins/event-inbox.ts'), 'src/app.ts imports plugins/event-inbox.ts')
  t.ok(fromApp.includes('plugins/metrics.ts'), 'src/app.ts imports plugins/metrics.ts')
  t.ok(arrows.some(({ file, plugin }) => file === 'src/routes/webhook-route.ts' && plugin === 'plugins/raw-body.ts'),
    'the webhook route imports plugins/raw-body.ts')
})

test('nothing under src/ but the app and the routes imports from plugins/', async (t) => {
  const wrong = arrows.filter(({ file }) => !mayImportPlugins(file))
  for (const { file, plugin } of wrong) t.fail(`${file} imports ${plugin}: move what it needs into src/, where the plugin can import it too`)
  t.same(wrong, [], 'no arrow from src/ into plugins/ outside src/app.ts and src/routes/')
})
