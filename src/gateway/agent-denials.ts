import { auditDraft } from '../audit/draft.js';
import type { AuditDraft } from '../store/types.js';
import { type CallFacts, callDraft } from './audit-entry.js';
import { aggregateFacts, aggregateRequestId, type DenialWindow, DenialWindows } from './denial-windows.js';

/**
 * Bounds what an agent's repeated denials cost: a runaway agent (or a stolen token probing what it may do)
 * must not cost more than the calls it is refused. Per agent, endpoint, method, reason, rule and status
 * (and, over MCP, the tool), the first `inFull` denials of each window are recorded in full; the rest of
 * the window are counted into one aggregate record, written when the window ends (`denial-windows.ts`).
 * The answers are unchanged: only how the calls are recorded differs.
 */
export interface AgentDenialsOptions {
  /** Length of a window. */
  windowMs: number;
  /** Identical denials per window recorded in full; 0 records every denial in full. */
  inFull: number;
  /** Open windows at most; past it, new keys share one window per reason. */
  maxOpen?: number;
  append(draft: AuditDraft): Promise<unknown>;
  now(): number;
  onError(error: unknown): void;
}

/** What a window knows of its counted calls, to say in its aggregate only what is true of all of them. */
interface Counted {
  /** The record of the first counted call: who, what and why (the key's fields) and the rest, if shared. */
  template: AuditDraft;
  /** Extra details the calls were recorded with (`via`, `tool`), part of the key. */
  extra: Record<string, unknown> | undefined;
  url: string | undefined;
  clientIp: string | undefined;
  userAgent: string | undefined;
  sameUrl: boolean;
  sameClient: boolean;
  /** No counted call had a body read (an organization named in a body may differ from call to call). */
  noBody: boolean;
}

const MAX_OPEN_WINDOWS = 10_000;

export class AgentDenials {
  private readonly windows: DenialWindows<Counted> | null;

  constructor(options: AgentDenialsOptions) {
    this.windows =
      options.inFull > 0
        ? new DenialWindows({
            windowMs: options.windowMs,
            inFull: options.inFull,
            maxOpen: options.maxOpen ?? MAX_OPEN_WINDOWS,
            aggregate: aggregateDraft,
            append: options.append,
            now: options.now,
            onError: options.onError,
          })
        : null;
  }

  /**
   * Accounts for a denial of an agent's call. Null: the caller records it in full. Otherwise it was
   * counted into its window's aggregate, and the record returned stands for it (for metrics and the log).
   * `extra`: details the call's records carry besides its own (`{ via: 'mcp', tool }`).
   */
  take(
    facts: CallFacts,
    reason: string,
    rule: string,
    status: number,
    extra?: Record<string, unknown>,
  ): AuditDraft | null {
    const { agent } = facts;
    if (this.windows === null || agent === null) return null;
    const via = extra ? Object.values(extra).join('\u0000') : '';
    const window = this.windows.take(
      `${agent.id}\u0000${facts.endpoint?.id}\u0000${facts.method}\u0000${reason}\u0000${rule}\u0000${status}\u0000${via}`,
      `*\u0000${reason}\u0000${rule}\u0000${status}`,
    );
    if (window.count === 0) return null;
    const { req } = facts;
    const counted = window.state;
    // The shared window's calls are of any agent and endpoint: each is observed with its own record.
    if (counted === undefined || window.shared) {
      const template = callDraft(facts, { decision: 'deny', reason, rule, status });
      window.state ??= {
        template,
        extra,
        url: req.url,
        clientIp: req.socket.remoteAddress,
        userAgent: req.headers['user-agent'],
        sameUrl: true,
        sameClient: true,
        noBody: facts.body === undefined,
      };
      return template;
    }
    if (counted.sameUrl && req.url !== counted.url) counted.sameUrl = false;
    if (facts.body !== undefined) counted.noBody = false;
    if (
      counted.sameClient &&
      (req.socket.remoteAddress !== counted.clientIp || req.headers['user-agent'] !== counted.userAgent)
    )
      counted.sameClient = false;
    // The log line names the path of a call no endpoint matched: this call's, not the first one's.
    return counted.sameUrl ? counted.template : { ...counted.template, path: facts.path };
  }

  /** Ends every open window now and waits until their aggregates are written (at shutdown, and in tests). */
  async flush(): Promise<void> {
    await this.windows?.flush();
  }
}

/**
 * The record of a window's counted calls. It keeps the key's fields (agent, endpoint, method, reason,
 * rule, status), and the path, query, resources and organization or the client only where every counted
 * call had the same; never a body's summary. Past the open-window limit (`shared`), only the reason,
 * rule and status are common to the calls.
 */
function aggregateDraft(window: DenialWindow<Counted>): AuditDraft {
  const { template, extra, sameUrl, sameClient, noBody } = window.state!;
  const shared = window.shared;
  const sameRequest = sameUrl && !shared;
  const query = (template.details as { query?: unknown }).query;
  return auditDraft({
    kind: 'call',
    time: new Date(window.lastAt).toISOString(),
    requestId: aggregateRequestId(),
    decision: 'deny',
    reason: template.reason,
    rule: template.rule,
    status: template.status,
    ...(shared
      ? {}
      : {
          agentId: template.agentId,
          agentName: template.agentName,
          endpointId: template.endpointId,
          area: template.area,
          access: template.access,
          permission: template.permission,
          method: template.method,
        }),
    path: sameRequest ? template.path : null,
    resourceIds: sameRequest ? template.resourceIds : [],
    organizationId: sameRequest && noBody ? template.organizationId : null,
    clientIp: sameClient && !shared ? template.clientIp : null,
    userAgent: sameClient && !shared ? template.userAgent : null,
    details: {
      ...(shared ? {} : extra),
      ...(sameRequest && query !== undefined ? { query } : {}),
      aggregate: aggregateFacts(window, template.time),
    },
  });
}
