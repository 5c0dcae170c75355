export { AuditLog, AUDIT_FILE, type AuditLogInit } from './audit-log.ts'
export { verifyAuditLog, type AuditVerifyResult } from './verify.ts'
export { GENESIS_HASH, hashRecord, makeRecord, type AuditRecord } from './record.ts'
export { canonicalJson } from './canonical.ts'
