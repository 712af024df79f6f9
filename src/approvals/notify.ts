import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';

/** Where new approval requests are announced (`BOLLARD_APPROVAL_NOTIFY_URL`), signed with a shared secret. */
export interface NotifyTarget {
  url: string;
  /** HMAC-SHA256 key for the `Bollard-Signature` header; unsigned without it. */
  secret?: string;
}

const NOTIFY_TIMEOUT_MS = 5_000; // 5 seconds: a slow receiver never holds anything up

/**
 * `Bollard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, the scheme WorkOS and Stripe use,
 * so a receiver can check both who sent it and that it is fresh.
 */
export function signNotification(body: string, secret: string, at: number): string {
  const t = Math.floor(at / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * Posts `message` as JSON. The `text` field makes it a Slack incoming-webhook message as it is; the rest
 * is for programs. Fire and forget: a failure is logged, never retried into the call's path.
 */
export async function postNotification(
  target: NotifyTarget,
  message: Record<string, unknown>,
  logger: Logger,
  now: number = Date.now(),
): Promise<void> {
  const body = JSON.stringify(message);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secret) headers['bollard-signature'] = signNotification(body, target.secret, now);
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      redirect: 'manual',
    });
    await response.body?.cancel();
    if (!response.ok)
      logger.warn({ status: response.status }, 'approval notification refused by its receiver');
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'approval notification could not be sent');
  }
}
