import { Agent, buildConnector, type Dispatcher, request as sendRequest } from 'undici';
import { type DestinationGuard, DestinationRefusedError } from './destination.js';
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
  /** The pinned, checked connection pool (`createDeliveryDispatcher`). */
  dispatcher: Dispatcher;
  /** Paths of the event taken out for this agent (its grant's redaction), said in `x-bollard-withheld`. */
  withheld?: readonly string[];
}

export interface DeliveryResponse {
  /** The receiver's status; null when it did not answer (refused, reset, timed out). */
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** Why a request failed, without the URL (it may carry a credential in its query). */
function describeFailure(error: unknown): string {
  if (error instanceof DestinationRefusedError) return `${error.code}: ${error.message}`;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout';
  const failure = error as { code?: string; cause?: { code?: string; message?: string } };
  const cause = failure.cause;
  return (
    cause?.code ??
    cause?.message ??
    failure.code ??
    (error instanceof Error ? error.message : 'network error')
  );
}

/**
 * The connection pool for deliveries. Every new connection first resolves the host and checks the
 * address (`DestinationGuard.resolve`), then connects to exactly that address — TLS still verifies
 * the name — so DNS cannot answer one address to the check and another to the connection.
 */
export function createDeliveryDispatcher(guard: DestinationGuard, connectTimeoutMs: number): Agent {
  const connectTo = buildConnector({ timeout: connectTimeoutMs });
  return new Agent({
    connect: function connectChecked(options, callback) {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      guard.resolve(options.hostname, port).then(
        (address) => connectTo({ ...options, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

/**
 * One delivery attempt: POST the body signed in WorkOS's format, so the official SDK's
 * `webhooks.constructEvent` verifies it. Redirects are never followed (a 3xx is a failure): the
 * subscription names the one URL that gets the event, and its address was checked.
 */
export async function postDelivery(request: DeliveryRequest): Promise<DeliveryResponse> {
  const started = request.now();
  try {
    const response = await sendRequest(request.url, {
      method: 'POST',
      dispatcher: request.dispatcher,
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Bollard Webhooks',
        'workos-signature': signatureHeader(request.secrets, request.body, request.now()),
        'x-bollard-delivery-id': request.deliveryId,
        'x-bollard-event-id': request.eventId,
        ...(request.withheld && request.withheld.length > 0
          ? { 'x-bollard-withheld': request.withheld.join(',') }
          : {}),
      },
      body: request.body,
    });
    // Drain (and cap) the answer so the connection can be reused; its content does not matter.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    return { status: response.statusCode, error: null, latencyMs: request.now() - started };
  } catch (error) {
    return { status: null, error: describeFailure(error), latencyMs: request.now() - started };
  }
}
