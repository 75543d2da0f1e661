// A dashboard in its own process for bench/dashboard-scale-load.mjs: `node load-server.mjs DB on|off`
// serves DB on a free port with the answer cache on or off and prints its URL on stdout.
import { startDashboard } from '../../apps/dashboard/dist/index.js'

const [db, cache] = process.argv.slice(2)
const dashboard = await startDashboard({ db, port: 0, cache: cache !== 'off' })
process.stdout.write(`tokenledger dashboard: ${dashboard.url}\n`)
process.on('SIGTERM', () => dashboard.close().then(() => process.exit(0)))
