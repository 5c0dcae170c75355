// The layer rule of the repository (docs/architecture.md draws it). Each folder may
// import only the folders below it; the pure cores are reached from outside only
// through their index.ts; no file-level import cycle anywhere. `npm run lint` runs it.
const LAYERS = [
  // folder, the repository folders it may import
  ['kernel', []],
  ['agp', ['kernel']],
  ['crdt', ['kernel']],
  ['reflector', ['kernel', 'agp']],
  ['driver', ['kernel', 'agp', 'crdt', 'reflector']],
  ['daemon', ['kernel', 'agp', 'crdt', 'reflector', 'driver']],
  ['simulations', ['kernel', 'agp', 'crdt', 'reflector', 'driver', 'daemon']],
  ['cli', ['kernel', 'agp', 'crdt', 'reflector', 'driver', 'daemon', 'simulations']],
  ['bench', ['kernel', 'agp', 'crdt', 'reflector', 'driver', 'daemon', 'simulations'], {
    // The micro-benchmarks sign with the tests' fast fake keys; the soak runs real daemons.
    except: '^test/helpers/fixtures\\.ts$'
  }],
  ['test', ['kernel', 'agp', 'crdt', 'reflector', 'driver', 'daemon', 'simulations', 'cli', 'bench']],
  ['bin', ['cli', 'daemon']],
  ['scripts', []]
]
const FOLDERS = LAYERS.map(([folder]) => folder)
const CORES = ['kernel', 'agp', 'crdt', 'reflector', 'driver']

const layerRules = LAYERS.map(([folder, allowed, options = {}]) => {
  const forbidden = FOLDERS.filter((f) => f !== folder && !allowed.includes(f))
  return {
    name: `layer-${folder}`,
    comment: `${folder}/ may import only ${allowed.length === 0 ? 'itself and npm packages' : allowed.join(', ')} (docs/architecture.md)`,
    severity: 'error',
    from: { path: `^${folder}/` },
    to: { path: `^(${forbidden.join('|')})/`, ...(options.except !== undefined ? { pathNot: options.except } : {}) }
  }
})

const driverRules = [
  {
    name: 'soak-no-test-helpers',
    comment: 'the soak drives real daemons through the launcher (daemon/launcher), not through test helpers',
    severity: 'error',
    from: { path: '^bench/soak/' },
    to: { path: '^test/' }
  }
]

// kernel/errors.ts may be imported on its own: code on the CLI's startup path (the API
// client) needs AtpError without loading the identifier schemas (zod) behind the index.
const PUBLIC_FILES = { kernel: '^kernel/(index|errors)\\.ts$' }

const coreSurfaceRules = CORES.map((core) => ({
  name: `public-index-${core}`,
  comment: `outside ${core}/, import ${core}/index.ts (its public surface), not its files; tests may reach inside`,
  severity: 'error',
  from: { path: '^[^/]+/', pathNot: `^(${core}|test)/` },
  to: { path: `^${core}/`, pathNot: PUBLIC_FILES[core] ?? `^${core}/index\\.ts$` }
}))

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a file-level import cycle: break it by moving the shared type or function down a layer',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    ...layerRules,
    ...driverRules,
    ...coreSurfaceRules
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] }
  }
}
