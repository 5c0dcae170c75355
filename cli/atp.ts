#!/usr/bin/env node
// Entry of the `atp` CLI. The polyfill must be the first import (libp2p on Node 20).
import '../daemon/runtime/polyfills.ts'
import { runCli } from './program.ts'

process.exitCode = await runCli(process.argv.slice(2))
