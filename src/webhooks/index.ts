/**
 * Webhooks for agents: WorkOS's signed events verified and stored once, fanned out by grant to
 * agents' subscriptions, delivered from a durable outbox signed in WorkOS's own format.
 */
export { auditableUrl, webhookAuditDraft } from './audit-draft.js';
export { type BackfillDeps, type BackfillResult, backfillEvents, EVENTS_RETENTION_MS } from './backfill.js';
export {
  createDeliveryDispatcher,
  type DeliveryRequest,
  type DeliveryResponse,
  postDelivery,
} from './deliver.js';
export {
  createDestinationGuard,
  type DestinationGuard,
  DestinationRefusedError,
  type DestinationRules,
  specialRange,
  unmapIPv4,
} from './destination.js';
export {
  eventArea,
  expandPattern,
  matchesAny,
  type PatternProblem,
  patternMatches,
  subscriptionProblems,
} from './event-types.js';
export { newSigningSecret, secretHint, webhookId } from './ids.js';
export { createInboundRoute, INBOUND_PATH, type InboundDeps } from './inbound.js';
export {
  createWebhookRelay,
  type WebhookRelay,
  type WebhookRelayDeps,
  type WebhookRelayOptions,
} from './relay.js';
export { afterFailure, DEFAULT_RETRY_SCHEDULE_MS } from './schedule.js';
export {
  createWebhookService,
  DEFAULT_ROTATION_GRACE_SECONDS,
  type DeliveryView,
  type SubscriptionView,
  type WebhookService,
  type WebhookServiceDeps,
} from './service.js';
export {
  computeSignature,
  DEFAULT_TOLERANCE_MS,
  SIGNATURE_HEADER,
  type SignatureCheck,
  type SignatureProblem,
  signatureHeader,
  verifySignature,
} from './signature.js';
export { DeliveryWorker, type DeliveryWorkerOptions, signingSecrets } from './worker.js';
