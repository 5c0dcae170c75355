import '../daemon/runtime/polyfills.ts'
