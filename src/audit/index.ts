export { looksLikeCsvExport, parseCsvExport } from './csv.js';
export { auditDraft, type DraftFields } from './draft.js';
export { type ExportOptions, exportAudit, parseJsonlExport } from './export.js';
export { REDACTED, type Redacted, redactBody, redactQuery, secretFieldMatcher } from './redact.js';
export { pruneAudit, type RetentionOptions } from './retention.js';
export { canonicalJson, sealRecord } from './seal.js';
export { type ChainAnchor, type VerifyResult, verifyChain, verifyRecords } from './verify.js';
export { AuditWriter, AuditWriterClosedError, type AuditWriterOptions } from './writer.js';
