export {
  type AuditCheckpoints,
  CHECKPOINT_REQUEST_ID,
  type Checkpoint,
  checkpointDigest,
  checkpointProblem,
  describePublicKey,
  isCheckpoint,
  keyIdOf,
  parsePublicKey,
  signCheckpoint,
} from './checkpoint.js';
export { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
export { looksLikeCsvExport, parseCsvExport } from './csv.js';
export { auditDraft, callsRepresented, type DraftFields } from './draft.js';
export { type ExportOptions, exportAudit, parseJsonlExport } from './export.js';
export { REDACTED, type Redacted, redactBody, redactQuery, secretFieldMatcher } from './redact.js';
export { pruneAudit, type RetentionOptions } from './retention.js';
export { canonicalJson, sealRecord } from './seal.js';
export { loadSigningKey, SIGNING_KEY_FILE, type SigningKey } from './signing-key.js';
export { answerUnknownOutcomes, OUTCOME_UNKNOWN, unknownOutcomeDraft } from './unknown-outcomes.js';
export { type ChainAnchor, type VerifyResult, verifyChain, verifyRecords } from './verify.js';
export {
  type CheckpointVerifyResult,
  parseCheckpoints,
  trustedCheckpoints,
  UntrustedCheckpointError,
  verifyWithCheckpoints,
} from './verify-checkpoints.js';
export { AuditWriter, AuditWriterClosedError, type AuditWriterOptions } from './writer.js';
