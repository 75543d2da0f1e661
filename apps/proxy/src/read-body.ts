/**
 * Reading a request body with a size limit: a declared length over the limit is refused before a
 * byte is read, and a body without one stops being read as soon as it passes the limit (nothing
 * past the limit is held in memory). JSON bodies become a string (the meter reads the model and
 * the stream flag from it, and asks OpenAI-style streams for their usage); others stay bytes.
 */
import type { IncomingMessage } from 'node:http'

/** The body to forward: null for none, 'too-large' over the limit. */
export type ReadBody = string | Uint8Array | null | 'too-large'

/**
 * Reads the body of `request` (from the Node request when the server hands it over).
 */
export async function readBody(
  request: Request,
  maxBytes: number,
  incoming?: IncomingMessage,
): Promise<ReadBody> {
  if (request.method === 'GET' || request.method === 'HEAD') return null
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) return 'too-large'
  let bytes: Uint8Array
  if (declared === null && incoming) {
    const read = await readLimited(incoming, maxBytes)
    if (read === null) return 'too-large'
    bytes = read
  } else {
    bytes = new Uint8Array(await request.arrayBuffer())
    if (bytes.byteLength > maxBytes) return 'too-large'
  }
  if (bytes.byteLength === 0 && declared === null) return null
  const type = request.headers.get('content-type') ?? ''
  return type.includes('json') || type.startsWith('text/')
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    : bytes
}

function readLimited(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        incoming.removeAllListeners('data')
        incoming.pause()
        resolve(null)
        return
      }
      chunks.push(chunk)
    })
    incoming.once('end', () => resolve(Buffer.concat(chunks)))
    incoming.once('error', reject)
  })
}
