/**
 * The HTML shell of every page: head with the stylesheet and scripts (all served by the dashboard
 * itself: no CDN), top bar, main column. Rendered with hono/jsx, which escapes every value.
 */
import type { Child, FC } from 'hono/jsx'
import { html, raw } from 'hono/html'
import { safeJsonForScript } from '../safe-json.js'

export interface LayoutProps {
  title: string
  /** Which top-bar link is current. */
  section: 'overview' | 'calls' | 'tags'
  /** Overview, calls and tags links keep the current filters. */
  overviewHref: string
  callsHref: string
  tagsHref?: string
  /** Data for the client script, serialised with `safeJsonForScript`. */
  clientData?: unknown
  children?: Child
}

/** The page shell. */
export const Layout: FC<LayoutProps> = (props) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{props.title} · tokenledger</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/dashboard.css" />
      <script src="/static/chart.umd.js" defer></script>
      <script src="/static/dashboard.js" defer></script>
    </head>
    <body>
      <header class="topbar">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          tokenledger
        </a>
        <nav class="topnav">
          <a
            href={props.overviewHref}
            aria-current={props.section === 'overview' ? 'page' : undefined}
          >
            Overview
          </a>
          <a href={props.callsHref} aria-current={props.section === 'calls' ? 'page' : undefined}>
            Calls
          </a>
          <a
            href={props.tagsHref ?? '/tags'}
            aria-current={props.section === 'tags' ? 'page' : undefined}
          >
            Tags
          </a>
        </nav>
        {/* The client script makes this a light / dark / system switch, remembered in this browser. */}
        <button
          type="button"
          class="theme-toggle"
          id="theme-toggle"
          data-testid="theme-toggle"
          hidden
        >
          Theme: system
        </button>
      </header>
      <main class="page">{props.children}</main>
      {props.clientData === undefined ? null : (
        // The only raw output of the dashboard: JSON whose `<`, `>` and `&` are unicode-escaped, so
        // no value can close the element (see safe-json.ts and its tests).
        <script type="application/json" id="dashboard-data">
          {raw(safeJsonForScript(props.clientData))}
        </script>
      )}
    </body>
  </html>
)

/** Renders a page component as a full HTML document. */
export function documentOf(page: Child): ReturnType<typeof html> {
  return html`<!DOCTYPE html>${page}`
}
