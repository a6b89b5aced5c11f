// Finds pipelines that fail at random under `set -o pipefail`: a reader that may exit before its
// input ends (`grep -q`, `grep -m N`, `grep -l`, `head`) behind a producer that is still writing.
// The producer then dies of SIGPIPE and, with pipefail, the whole pipeline takes its status.

/** A reader that can stop reading early: grep with -q/-m/-l (short, bundled or long form), or head. */
const earlyExitReader = /^(?:grep|egrep|fgrep)\b(?=.*\s(?:-[a-zA-Z]*[qml]|--quiet|--silent|--max-count|--files-with-matches)\b)|^head\b/

export interface EarlyExitPipeline {
  line: number
  text: string
}

// Pipes outside quotes, and not `||`: the segments of a line's pipelines. A command substitution
// inside double quotes, `"$(ls | head -n 1)"`, is code again, so its pipes count.
function pipelineSegments (command: string): string[] {
  const segments: string[] = []
  // What encloses the current character: a quote, or a `$(` opened inside double quotes.
  const enclosing: string[] = []
  let current = ''
  for (let index = 0; index < command.length; index++) {
    const char = command[index] as string
    const inside = enclosing.at(-1)
    current += char
    if (inside === '\'') {
      if (char === '\'') enclosing.pop()
    } else if (inside === '"' && char === '"') {
      enclosing.pop()
    } else if (inside === '"') {
      if (char === '$' && command[index + 1] === '(') enclosing.push(')')
    } else if (char === '\'' || char === '"') {
      enclosing.push(char)
    } else if (inside === ')' && char === ')') {
      enclosing.pop()
    } else if (char === '|' && command[index + 1] !== '|' && command[index - 1] !== '|') {
      segments.push(current.slice(0, -1))
      current = ''
    }
  }
  segments.push(current)
  return segments.map((segment) => segment.trim())
}

/** Every line of `script` that pipes into an early-exit reader, if the script sets pipefail. */
export function earlyExitPipelines (script: string): EarlyExitPipeline[] {
  if (!/set\s+-[a-zA-Z]*o\s+pipefail|set\s+-o\s+pipefail|-euo\s+pipefail/.test(script)) return []
  const found: EarlyExitPipeline[] = []
  script.split('\n').forEach((raw, index) => {
    const text = raw.replace(/^\s*#.*$/, '').replace(/\s#\s.*$/, '')
    const [, ...readers] = pipelineSegments(text)
    // The command that reads a segment may follow `(`, `$(`, `!`, `{`, `then`, `do`...
    if (readers.some((segment) => earlyExitReader.test(segment.replace(/^[\s({!$]*/, '')))) {
      found.push({ line: index + 1, text: raw.trim() })
    }
  })
  return found
}
