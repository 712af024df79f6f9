/** Approvals bound to one exact call: opened by the gateway, decided by operators, used once. */
export {
  type ApprovalAsk,
  type ApprovalService,
  type ApprovalServiceOptions,
  type ApprovalView,
  createApprovalService,
  effectiveStatus,
  MAX_DECISION_REASON,
} from './approval-service.js';
export { callDigest } from './call-digest.js';
export { type NotifyTarget, postNotification, signNotification } from './notify.js';
