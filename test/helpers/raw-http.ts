// Exact bytes over a real socket, for what app.inject cannot send: malformed framing, a client that
// half-closes its side as soon as its request is written.
import { connect } from 'node:net'

export interface RawResponse { status: number, headers: string, body: string }

/**
 * Sends `request` over a fresh connection to 127.0.0.1:`port`, half-closing it once written, and
 * resolves with the whole answer once the server closes the connection.
 */
export async function sendRaw (port: number, request: string | Buffer): Promise<RawResponse> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: rest.join('\r\n\r\n') })
    })
    socket.end(request)
  })
}
