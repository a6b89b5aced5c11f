// Makes the watching type checker's output short enough to sit beside the server's logs: one line
// per type error, one line per check's verdict, nothing for the checker's own chatter.

/** tsc's "9:14:02 PM - Found 2 errors. Watching for file changes." (its clock is dropped). */
const verdict = /Found (\d+) errors?\b/
const chatter = /Starting compilation in watch mode|File change detected|Starting incremental compilation/
/** tsc --pretty false: `handlers/x.ts(3,7): error TS2339: Property 'y' does not exist on type 'Z'.` */
const errorLine = /^(.+)\((\d+),(\d+)\): error (TS\d+): (.*)$/

/**
 * The line to print for one line of `tsc --watch --pretty false` output, or null to print nothing.
 * An error becomes `type error handlers/x.ts:3:7 Property 'y' does not exist... (TS2339)`, a check's
 * end `types: no errors` or `types: 2 errors`; an error's indented elaboration is kept as is.
 */
export function shortTypeCheckLine (line: string): string | null {
  if (line.trim() === '' || chatter.test(line)) return null
  const found = verdict.exec(line)
  if (found !== null) return found[1] === '0' ? 'types: no errors' : `types: ${found[1]} error${found[1] === '1' ? '' : 's'}`
  const error = errorLine.exec(line)
  if (error !== null) return `type error ${error[1]}:${error[2]}:${error[3]} ${error[5]} (${error[4]})`
  return line
}
