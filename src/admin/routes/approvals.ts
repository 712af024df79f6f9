import { z } from 'zod';
import { type ApprovalService, MAX_DECISION_REASON } from '../../approvals/index.js';
import type { Router } from '../route.js';
import { adminActor } from './agents.js';

const STATUSES = ['pending', 'approved', 'denied', 'used', 'expired', 'void'] as const;

export const approvalView = z.object({
  id: z.string(),
  agentId: z.string(),
  agentName: z.string(),
  endpointId: z.string(),
  method: z.string(),
  path: z.string(),
  digest: z.string().meta({ description: 'SHA-256 of method, path, query and body: the exact call' }),
  policyVersion: z.string(),
  selector: z.string().meta({ description: 'The approve: rule that asked for it' }),
  required: z.number().meta({ description: 'Distinct operators who must approve' }),
  approvalsGiven: z.number(),
  status: z.enum(STATUSES),
  decisions: z.array(
    z.object({
      operator: z.string(),
      decision: z.enum(['approve', 'deny']),
      reason: z.string().nullable(),
      at: z.string(),
    }),
  ),
  request: z
    .record(z.string(), z.unknown())
    .meta({ description: 'Query and body as the audit log keeps them' }),
  requestId: z.string(),
  wouldDo: z.string(),
  destructive: z.boolean(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
  revision: z.number(),
});

const approvalParams = z.object({ id: z.string().min(1).meta({ description: 'Approval id (apr_…)' }) });
const decisionBody = z
  .strictObject({ reason: z.string().max(MAX_DECISION_REASON).optional() })
  .optional()
  .default({});

/** Approval requests: the queue, one request, and the approvers' decisions. */
export function registerApprovalRoutes(router: Router, approvals: ApprovalService): void {
  const tag = 'approvals';
  router.add({
    method: 'GET',
    url: '/approvals',
    tag,
    summary: 'Approval requests, newest first (status=pending for the queue)',
    query: z.strictObject({
      status: z.enum(STATUSES).optional(),
      agent: z.string().optional().meta({ description: 'Agent id (agt_…)' }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: z.object({ data: z.array(approvalView) }),
    handler: async ({ query }) => ({
      data: await approvals.list({ status: query.status, agentId: query.agent, limit: query.limit }),
    }),
  });
  router.add({
    method: 'GET',
    url: '/approvals/:id',
    tag,
    summary: 'One approval request: the exact call, who asked, what it would do, the decisions so far',
    params: approvalParams,
    response: approvalView,
    handler: async ({ params }) => approvals.get(params.id),
  });
  router.add({
    method: 'POST',
    url: '/approvals/:id/approve',
    tag,
    summary:
      'Approve (approver or admin); with the two-person rule, each distinct operator adds one approval',
    params: approvalParams,
    body: decisionBody,
    response: approvalView,
    handler: async ({ params, body, request }) =>
      approvals.approve(params.id, adminActor(request), body.reason),
  });
  router.add({
    method: 'POST',
    url: '/approvals/:id/deny',
    tag,
    summary: "Deny (approver or admin); the agent's identical call gets 403 approval_denied with the reason",
    params: approvalParams,
    body: decisionBody,
    response: approvalView,
    handler: async ({ params, body, request }) => approvals.deny(params.id, adminActor(request), body.reason),
  });
}
