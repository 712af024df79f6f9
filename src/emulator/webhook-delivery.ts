import { createHmac } from 'node:crypto';

/** Where and how to deliver: an endpoint URL and its signing secret. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/** One attempt, as `GET /_emulator/webhooks` reports it. */
export interface DeliveryAttempt {
  event_id: string;
  event: string;
  url: string;
  attempt: number;
  status: number | null;
  error: string | null;
  time: string;
}

// Waits before each retry after a failed attempt (3 retries); production's schedule is unpublished.
const RETRY_DELAYS_MS = [250, 1_000, 4_000];
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * `WorkOS-Signature: t=<ms>, v1=<hex>` where hex = HMAC-SHA256(secret, `${t}.${body}`) (§6.1).
 * The timestamp is the wall clock: receivers compare it with theirs.
 */
export function signatureHeader(secret: string, body: string, timestampMs = Date.now()): string {
  const signature = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs}, v1=${signature}`;
}

/** Posts signed webhook bodies, retrying failures (non-2xx or network errors) in the background. */
export class WebhookDeliverer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  readonly attempts: DeliveryAttempt[] = [];
  private closed = false;

  deliver(target: WebhookTarget, eventId: string, event: string, body: string): void {
    void this.attempt(target, eventId, event, body, 1);
  }

  private async attempt(target: WebhookTarget, eventId: string, event: string, body: string, n: number) {
    if (this.closed) return;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'WorkOS Webhooks (bollard emulator)',
          'WorkOS-Signature': signatureHeader(target.secret, body),
        },
        body,
        signal: controller.signal,
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    this.attempts.push({
      event_id: eventId,
      event,
      url: target.url,
      attempt: n,
      status,
      error,
      time: new Date().toISOString(),
    });
    const failed = status === null || status < 200 || status >= 300;
    if (failed && n <= RETRY_DELAYS_MS.length && !this.closed) {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          void this.attempt(target, eventId, event, body, n + 1);
        },
        RETRY_DELAYS_MS[n - 1],
      );
      this.timers.add(timer);
    }
  }

  /** Stops retries and aborts requests still in flight. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const controller of this.inFlight) controller.abort();
    this.timers.clear();
  }
}
