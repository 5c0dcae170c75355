// ESLint flat config. The block for kernel/, agp/, reflector/, crdt/ and driver/ keeps the core
// pure: time, randomness, transport and storage reach it through ports (see
// docs/architecture.md). Which folder may import which is the layer rule of
// .dependency-cruiser.cjs (`npm run lint:layers`).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const impureSyntax = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'The pure core takes time as nowMs from a Clock port.' },
  { selector: "NewExpression[callee.name='Date']", message: 'The pure core takes time as nowMs from a Clock port.' },
  { selector: "CallExpression[callee.name='setTimeout']", message: 'The pure core emits timer effects; drivers schedule them.' },
  { selector: "CallExpression[callee.name='setInterval']", message: 'The pure core emits timer effects; drivers schedule them.' },
  { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'The pure core takes randomness from a Random port.' },
  { selector: "MemberExpression[object.name='performance'][property.name='now']", message: 'The pure core takes time as nowMs from a Clock port.' },
  { selector: "MemberExpression[object.name='process']", message: 'The pure core does not touch the process.' }
]

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/gen/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }]
    }
  },
  {
    files: ['kernel/**/*.ts', 'agp/**/*.ts', 'reflector/**/*.ts', 'crdt/**/*.ts', 'driver/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...impureSyntax],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'process', 'Buffer', 'performance'],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'The pure core has no node:* imports; add a port.' },
          { group: ['libp2p', '@libp2p/*', '@chainsafe/*'], message: 'The pure core has no transport; add a port.' },
          { group: ['level', 'classic-level', 'abstract-level'], message: 'The pure core has no storage; add a port.' },
          { group: ['fastify', 'pino', 'prom-client'], message: 'The pure core has no I/O.' }
        ]
      }]
    }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } }
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } }
  }
)
