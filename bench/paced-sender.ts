// The fixed-rate load in a process of its own, so that the suite can pin it to the client's core:
//   node --import tsx bench/paced-sender.ts <url> <template file> <rate> <seconds> <id prefix>
// Prints one line, PACED_JSON followed by the result (see lib/paced-load.ts).
import { readFileSync } from 'node:fs'
import { runPacedLoad } from './lib/paced-load.js'

const [url, templateFile, rate, seconds, idPrefix] = process.argv.slice(2)
if (url === undefined || templateFile === undefined || idPrefix === undefined) throw new Error('usage: paced-sender.ts <url> <template file> <rate> <seconds> <id prefix>')
const result = await runPacedLoad({ url, template: readFileSync(templateFile, 'utf8'), rate: Number(rate), seconds: Number(seconds), idPrefix })
console.log(`PACED_JSON ${JSON.stringify(result)}`)
