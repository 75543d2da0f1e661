#!/usr/bin/env node
import { runCli } from './program.js'
import { exitQuietlyOnClosedOutput } from './quiet-epipe.js'

exitQuietlyOnClosedOutput()
process.exitCode = await runCli(process.argv)
