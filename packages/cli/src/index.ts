/** @module @tokenledger/cli: the `tokenledger` command, also callable in-process. */
export { createProgram, runCli } from './program.js'
