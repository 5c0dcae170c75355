// `npm run build`: compiles the TypeScript sources to dist/ (tsconfig.build.json: ES
// modules, source maps, declarations, `.ts` import specifiers rewritten to `.js`), then
// copies the generated protobuf modules, which are JavaScript and so not tsc's to emit.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
// Every generated protobuf module (agp.js, task.js, … with their .d.ts).
for (const file of readdirSync(join(root, 'agp/proto/gen'))) {
  cpSync(join(root, 'agp/proto/gen', file), join(dist, 'agp/proto/gen', file))
}
