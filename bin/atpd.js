#!/usr/bin/env node
// Runs cli/atpd.ts without a build step: register tsx's ESM loader, install the
// Node 20 Promise.withResolvers polyfill (libp2p needs it before anything else), go.
import { register } from 'tsx/esm/api'

register()
await import('../daemon/runtime/polyfills.ts')
await import('../cli/atpd.ts')
