#!/usr/bin/env node
// Entry of the `atpd` daemon. The polyfill must be the first import (libp2p on Node 20).
// The flags are parsed first; the daemon's modules load only when it is to run.
import '../daemon/runtime/polyfills.ts'
import { parseCli } from './atpd-args.ts'

const args = parseCli()
const { runAtpd } = await import('./atpd-run.ts')
await runAtpd(args)
