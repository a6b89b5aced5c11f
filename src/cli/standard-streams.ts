// How the commands write: a line at a time to stdout or stderr. A reader that stops early
// (`npm run events -- list | head`) closes the pipe; that ends the command quietly, as it ends any
// Unix tool, instead of an EPIPE stack.
function endQuietlyOnClosedPipe (stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

endQuietlyOnClosedPipe(process.stdout)
endQuietlyOnClosedPipe(process.stderr)

/** Writes one line to stdout (results). */
export const stdoutLine = (line: string): void => { process.stdout.write(`${line}\n`) }

/** Writes one line to stderr (warnings, errors, what was opened). */
export const stderrLine = (line: string): void => { process.stderr.write(`${line}\n`) }
