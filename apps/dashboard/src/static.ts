/**
 * Static assets, all from this package or node_modules (no CDN, works offline): chart.js's UMD
 * build, the client script and stylesheet (`apps/dashboard/client/`, read relative to this module
 * so the same path works from `src/` under vitest and from `dist/` after `tsc -b`), and a favicon.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'

interface Asset {
  path: string
  type: string
}

/** Where chart.js's UMD build is: resolved through node's module resolution, never a fixed path. */
export function chartJsPath(): string {
  const require = createRequire(import.meta.url)
  // chart.js's `exports` map does not list dist/chart.umd.js, so resolve the package entry and go from there.
  return join(dirname(require.resolve('chart.js')), 'chart.umd.js')
}

/** The folder of the client script and stylesheet (`<package>/client`). */
export function clientDir(): string {
  return fileURLToPath(new URL('../client/', import.meta.url))
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z" fill="#4f46e5"/></svg>'

/** The routes under `/static/`. Files are read once, on first request, then served from memory. */
export function staticRoutes(): Hono {
  const assets = new Map<string, Asset>([
    ['chart.umd.js', { path: chartJsPath(), type: 'text/javascript; charset=utf-8' }],
    [
      'dashboard.js',
      { path: join(clientDir(), 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
    ],
    [
      'dashboard.css',
      { path: join(clientDir(), 'dashboard.css'), type: 'text/css; charset=utf-8' },
    ],
  ])
  const cache = new Map<string, string>()
  const read = (name: string, asset: Asset): string => {
    let body = cache.get(name)
    if (body === undefined) {
      // Drop the source-map comment: the map is not served, and a 404 for it is noise in devtools.
      body = readFileSync(asset.path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
      cache.set(name, body)
    }
    return body
  }
  return new Hono()
    .get('/static/favicon.svg', (c) =>
      c.body(FAVICON, 200, {
        'Content-Type': 'image/svg+xml',
        'Cache-Control': 'public, max-age=86400',
      }),
    )
    .get('/static/:name', (c) => {
      const name = c.req.param('name')
      const asset = assets.get(name)
      if (asset === undefined) return c.notFound()
      return c.body(read(name, asset), 200, {
        'Content-Type': asset.type,
        'Cache-Control': 'public, max-age=300',
      })
    })
}
