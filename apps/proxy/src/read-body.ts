/**
 * Reading a request body with a size limit: a declared length over the limit is refused before a
 * byte is read, and any body stops being read as soon as it passes the limit (nothing past the
 * limit is held in memory). JSON bodies become a string (the meter reads the model and the stream
 * flag from it, and asks OpenAI-style streams for their usage); others stay bytes.
 */
import type { IncomingMessage } from 'node:http'

/** The body to forward: null for none, 'too-large' over the limit. */
export type ReadBody = string | Uint8Array | null | 'too-large'

/** Reads the body of a Node request. */
export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  if (incoming.method === 'GET' || incoming.method === 'HEAD') return Promise.resolve(null)
  const declared = incoming.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.resolve('too-large')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBytes) {
        incoming.off('data', onData)
        incoming.pause()
        resolve('too-large')
        return
      }
      chunks.push(chunk)
    }
    incoming.on('data', onData)
    incoming.once('end', () => {
      if (size > maxBytes) return
      if (size === 0 && declared === undefined) return resolve(null)
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      const type = incoming.headers['content-type'] ?? ''
      resolve(type.includes('json') || type.startsWith('text/') ? bytes.toString('utf8') : bytes)
    })
    incoming.once('error', reject)
  })
}
