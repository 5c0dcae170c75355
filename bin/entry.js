// Shared by bin/atp.js and bin/atpd.js: choose the compiled entry (dist/<name>.js) or,
// in a source checkout, the TypeScript source through tsx's loader. The installed
// package ships no sources and no tsx, so it always takes the compiled path. The
// Node 20 Promise.withResolvers polyfill is the first import of either entry.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('../', import.meta.url)

async function loadTsx () {
  try {
    return await import('tsx/esm/api')
  } catch {
    return undefined
  }
}

export async function startEntry (name) {
  const source = new URL(`${name}.ts`, root)
  if (process.env.ATP_USE_DIST !== '1' && existsSync(fileURLToPath(source))) {
    const tsx = await loadTsx()
    if (tsx !== undefined) {
      tsx.register()
      await import(source.href)
      return
    }
  }
  const compiled = new URL(`dist/${name}.js`, root)
  if (!existsSync(fileURLToPath(compiled))) {
    process.stderr.write(`${name}: ${fileURLToPath(compiled)} is missing; run \`npm run build\`\n`)
    process.exit(1)
  }
  await import(compiled.href)
}
