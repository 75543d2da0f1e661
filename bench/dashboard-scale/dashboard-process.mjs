// Runs the dashboard as its own process, so its memory is its own: peak resident set (VmHWM) and
// current (VmRSS) from /proc/<pid>/status. By default `tokenledger dashboard` (the built CLI, port
// 0); with `cache: 'off'` the same server without its answer cache (load-server.mjs), so that
// repeated requests measure the ledger's answers, not remembered ones. `root` runs another
// checkout's build instead (a baseline: its own load-server.mjs and CLI).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Starts the dashboard on `db` and resolves once it prints its URL. */
export async function startDashboardProcess(db, { log, cache = 'on', root = ROOT }) {
  const args =
    cache === 'off'
      ? [join(root, 'bench/dashboard-scale/load-server.mjs'), db, 'off']
      : [join(root, 'packages/cli/dist/bin.js'), 'dashboard', '--db', db, '--port', '0']
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No token: the variable is left out (a set but empty one is refused as a mistake).
    env: Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name !== 'TOKENLEDGER_DASHBOARD_TOKEN'),
    ),
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    // Request errors are logged by the CLI on stderr: show them, they would make figures wrong.
    if (stderr.includes('dashboard: ')) log(`  dashboard stderr: ${String(chunk).trim()}`)
  })
  const url = await new Promise((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(
      () => reject(new Error(`dashboard did not start in 60 s: ${stderr}`)),
      60_000,
    )
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /(?:tokenledger dashboard: )?(http:\/\/\S+)/.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1].replace(/\/$/, ''))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`dashboard exited with code ${code} before serving: ${stderr}`))
    })
  })
  return {
    url,
    pid: child.pid,
    /** Resident memory in bytes: `peak` since start, `current` now. */
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const kb = (name) =>
        Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
      return { peak: kb('VmHWM'), current: kb('VmRSS') }
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** GET `path` and read the whole body as text (what a browser waits for); throws on a non-2xx answer. */
export async function getText(url, path) {
  const response = await fetch(`${url}${path}`)
  const text = await response.text()
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`)
  return text
}
