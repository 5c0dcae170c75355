/**
 * The daemon's storage components, each a js-libp2p `Startable` built from the components
 * it uses and its init options: the level store (opened and read at start, marked clean
 * and closed at stop) and the audit log (opened at start; at stop its last signed
 * checkpoint also goes into the store, which is why the store must outlive it).
 */
import type { Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Signer } from '../kernel/index.ts'
import { AuditLog } from './audit/audit-log.ts'
import type { AuditTail } from './audit/audit-tail.ts'
import { parseCheckpoint } from './audit/checkpoint.ts'
import type { SiteConfig } from './config/schema.ts'
import { NodeStore, type LoadedState } from './store/node-store.ts'

export class StoreComponent implements Startable {
  private opened?: { readonly store: NodeStore, readonly loaded: LoadedState }

  constructor (private readonly components: { readonly logger: Logger }, private readonly init: { readonly dataDir: string, readonly repair: boolean }) {}

  get store (): NodeStore { return this.must().store }
  /** What the previous run left: the Speaker's snapshot and the clean-shutdown flag. */
  get loaded (): LoadedState { return this.must().loaded }

  async start (): Promise<void> {
    const log = this.components.logger
    const store = await NodeStore.open(this.init.dataDir, { repair: this.init.repair })
    let loaded: LoadedState
    try {
      loaded = await store.load()
    } catch (err) {
      await store.close().catch(() => {})
      throw err
    }
    this.opened = { store, loaded }
    const report = store.report
    if (report !== undefined) {
      const damaged = report.wal.length > 0 || report.levelLog.length > 0 || report.dropped.length > 0 || report.tablesRebuilt
      log.warn({ store: store.location, wal: report.wal, levelLog: report.levelLog, dropped: report.dropped, tablesRebuilt: report.tablesRebuilt }, damaged ? 'store repaired: what could not be read was dropped (listed here)' : 'store checked for --repair: nothing was damaged')
    }
    // After a repair the clean-shutdown flag may itself have been lost: say so rather
    // than blame the previous stop.
    if (!loaded.cleanShutdown) log.warn({ originSeq: loaded.snapshot.originSeq }, report !== undefined ? 'clean-shutdown flag not trusted after a repair; origin seq advanced' : 'previous run did not stop cleanly; origin seq advanced')
    if (loaded.skipped > 0) log.warn({ skipped: loaded.skipped }, 'undecodable records in the store were skipped')
    for (const a of loaded.skippedAgents) log.warn({ store: store.location, record: a.key, reason: a.reason }, 'stored agent no longer validates: skipped (DELETE /v1/agents/:id removes it)')
    await store.setCleanShutdown(false)
  }

  async stop (): Promise<void> {
    const store = this.opened?.store
    if (store === undefined) return
    try {
      await store.setCleanShutdown(true)
    } finally {
      await store.close()
    }
  }

  private must (): NonNullable<StoreComponent['opened']> {
    if (this.opened === undefined) throw new Error('atpd: the store is not available before it started')
    return this.opened
  }
}

export interface AuditComponents {
  readonly store: NodeStore
  readonly signer: Signer
  readonly logger: Logger
  readonly tail: AuditTail
}

/**
 * The audit log, signing checkpoints with the node key (a copy goes to the store). A
 * log behind the stored checkpoint was cut or replaced while the daemon was down: that
 * is logged as an error at every start, and `atp audit verify` fails on it.
 */
export class AuditComponent implements Startable {
  private audit?: AuditLog

  constructor (private readonly components: AuditComponents, private readonly init: Pick<SiteConfig, 'dataDir' | 'audit'>) {}

  get log (): AuditLog {
    if (this.audit === undefined) throw new Error('atpd: the audit log is not available before it started')
    return this.audit
  }

  async start (): Promise<void> {
    const { store, signer, logger: log, tail } = this.components
    const { dataDir, audit: a } = this.init
    tail.prime(dataDir)
    const audit = this.audit = AuditLog.open(dataDir, {
      onRecord: (record) => { tail.push(record) },
      onRepair: (n) => { log.warn({ bytesCut: n }, 'audit log: cut a torn last record') },
      signer,
      checkpointEveryMs: a.checkpointEveryS * 1000,
      rotateBytes: a.rotateBytes,
      retention: { keepFiles: a.keepFiles, keepDays: a.keepDays },
      onRetention: (removed) => { log.info({ removed }, 'audit log: segments removed by retention') },
      onCheckpoint: (c) => { store.putAuditCheckpoint(JSON.stringify(c)).catch((err: unknown) => { log.warn({ err: String(err) }, 'audit checkpoint: store copy failed') }) }
    })
    const stored = parseCheckpoint((await store.getAuditCheckpoint()) ?? '')
    if (stored !== undefined && stored.seq > audit.lastSeq) {
      log.error({ checkpointSeq: stored.seq, logSeq: audit.lastSeq, path: audit.path }, 'audit log ends before its last signed checkpoint: records were removed while atpd was down (run atp audit verify)')
    }
  }

  /** Before the store closes: the last checkpoint is signed at close and kept there too. */
  async stop (): Promise<void> {
    const audit = this.audit
    if (audit === undefined) return
    audit.close()
    const last = audit.latestCheckpoint
    if (last !== undefined) await this.components.store.putAuditCheckpoint(JSON.stringify(last))
  }
}
