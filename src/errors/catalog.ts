/**
 * Every error code Bollard itself returns, defined once with its HTTP status and default message.
 * Bodies use WorkOS's JSON error shape (`{ code, message, ...fields }`) so every WorkOS SDK
 * surfaces them. The README's error table is checked against this list by a test.
 */
export const ERRORS = {
  // Proxy (agents)
  unauthorized: {
    status: 401,
    message: 'Missing, malformed, unknown, expired or revoked Bollard agent token.',
  },
  permission_denied: { status: 403, message: 'The agent lacks the permission this endpoint needs.' },
  organization_not_allowed: {
    status: 403,
    message: "The call touches an organization outside the agent's pin, or one Bollard cannot establish.",
  },
  constraint_violated: {
    status: 403,
    message: "A field of the call breaks a constraint on the agent's grant.",
  },
  endpoint_not_allowed: {
    status: 403,
    message: 'This method and path are not in the WorkOS catalog; Bollard fails closed.',
  },
  frozen: {
    status: 403,
    message: 'An operator froze this agent (or every agent); nothing is sent to WorkOS until unfrozen.',
  },
  approval_required: {
    status: 403,
    message: "This call needs an operator's approval; repeat the identical call once it is approved.",
  },
  approval_denied: { status: 403, message: 'An operator denied this call.' },
  invalid_request: { status: 400, message: 'The request cannot be classified safely.' },
  payload_too_large: { status: 413, message: 'The request body is larger than Bollard accepts.' },
  rate_limit_exceeded: { status: 429, message: 'A WorkOS rate limit or agent quota would be exceeded.' },
  upstream_unavailable: { status: 502, message: 'WorkOS could not be reached.' },
  upstream_timeout: { status: 504, message: 'WorkOS did not answer in time.' },
  audit_unavailable: {
    status: 503,
    message: 'The audit log cannot be written, so the call was not forwarded.',
  },
  internal_error: {
    status: 500,
    message: 'Bollard failed unexpectedly; the request id identifies it in the logs.',
  },
  // Admin API
  admin_unauthorized: { status: 401, message: 'Missing or invalid admin token.' },
  operator_forbidden: {
    status: 403,
    message: "The operator's role does not allow this route (viewer reads, approver decides approvals).",
  },
  validation_failed: { status: 400, message: 'The input does not match the schema.' },
  not_found: { status: 404, message: 'No such resource.' },
  conflict: { status: 409, message: 'The resource already exists or changed meanwhile.' },
  misdirected_request: {
    status: 421,
    message: 'The Host header names neither this admin API nor an allowed host.',
  },
  origin_not_allowed: { status: 403, message: 'Requests from this Origin are not allowed.' },
  csrf_failed: {
    status: 403,
    message: "A console request that changes state must carry its session's CSRF token.",
  },
  unsupported_media_type: {
    status: 415,
    message: 'A request that changes state must send its body as Content-Type: application/json.',
  },
  // Webhooks (inbound)
  invalid_signature: {
    status: 401,
    message: 'The WorkOS-Signature header is missing, stale or does not match.',
  },
  webhooks_not_configured: {
    status: 503,
    message: 'No WORKOS_WEBHOOK_SECRET: Bollard refuses unsigned webhooks.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A Bollard error with its stable code; `fields` are extra body fields that help (`required_permission`…). */
export class BollardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message?: string,
    fields: Record<string, unknown> = {},
    status?: number,
    /** The underlying failure, for the log only: never sent to the caller. */
    cause?: unknown,
  ) {
    const answered = status ?? ERRORS[code].status;
    // A refusal (4xx) is an answer to the caller, not a fault: its stack is never read, and capturing one
    // was the largest single cost of a denial (about a sixth of its CPU under a flood).
    const stackTraceLimit = Error.stackTraceLimit;
    if (answered < 500) Error.stackTraceLimit = 0;
    super(message ?? ERRORS[code].message, cause === undefined ? undefined : { cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'BollardError';
    this.code = code;
    this.status = answered;
    this.fields = fields;
  }

  /** The JSON body, WorkOS-shaped. */
  toBody(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.fields };
  }
}
