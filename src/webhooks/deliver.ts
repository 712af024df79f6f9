import { signatureHeader } from './signature.js';

export interface DeliveryRequest {
  url: string;
  /** The stored event JSON, sent byte for byte. */
  body: string;
  /** Signing secrets, current first (see `signatureHeader`). */
  secrets: readonly string[];
  timeoutMs: number;
  deliveryId: string;
  eventId: string;
  now: () => number;
}

export interface DeliveryResponse {
  /** The receiver's status; null when it did not answer (refused, reset, timed out). */
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** Why a request failed, without the URL (it may carry a credential in its query). */
function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'network error');
}

/**
 * One delivery attempt: POST the body signed in WorkOS's format, so the official SDK's
 * `webhooks.constructEvent` verifies it. Redirects are not followed (a 3xx is a failure): the
 * subscription names the one URL that gets the event.
 */
export async function postDelivery(request: DeliveryRequest): Promise<DeliveryResponse> {
  const started = request.now();
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Bollard Webhooks',
        'workos-signature': signatureHeader(request.secrets, request.body, request.now()),
        'x-bollard-delivery-id': request.deliveryId,
        'x-bollard-event-id': request.eventId,
      },
      body: request.body,
    });
    // Drain (and cap) the answer so the connection can be reused; its content does not matter.
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, error: null, latencyMs: request.now() - started };
  } catch (error) {
    return { status: null, error: describeFailure(error), latencyMs: request.now() - started };
  }
}
