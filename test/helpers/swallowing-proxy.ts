/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of a server, that can make a silent network
 * partition: while `swallow` is on, bytes in both directions are dropped without a reset, as a
 * dead router or a frozen peer would; connections opened meanwhile are accepted and hear nothing.
 * Switching it off lets bytes flow again on every connection still open.
 */
import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface SwallowingProxy {
  port: number
  /** Drop every byte (true) or forward them (false). */
  swallow: boolean
  /** Connections accepted so far. */
  readonly accepted: number
  close(): Promise<void>
}

/** Starts a proxy to `target` on 127.0.0.1, on `port` (0: any free port). */
export async function startSwallowingProxy(
  target: { host: string; port: number },
  port = 0,
): Promise<SwallowingProxy> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const state = { swallow: false }
  const server = createServer((client) => {
    accepted++
    const upstream = connect(target.port, target.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    client.on('data', (chunk: Buffer) => {
      if (!state.swallow) upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!state.swallow) client.write(chunk)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get swallow() {
      return state.swallow
    },
    set swallow(on: boolean) {
      state.swallow = on
    },
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
