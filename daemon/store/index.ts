export { NodeStore, ribKey, DB_DIR, ORIGIN_SEQ_CRASH_GAP, type Db, type BytesSublevel, type LoadedState } from './node-store.ts'
export { SnapshotWriter, type SnapshotWriterInit } from './snapshot-writer.ts'
export { StoreError } from './errors.ts'
export { ReceivedRouteBytes } from './received-route-bytes.ts'
