/**
 * Headers that describe one connection, not the message, and so must not be forwarded by a proxy:
 * RFC 9110 §7.6.1 (Connection and the fields it names; Proxy-Connection, Keep-Alive, TE,
 * Transfer-Encoding, Upgrade) and RFC 9110 §11.7 (Proxy-Authenticate, Proxy-Authorization).
 * `Trailer` travels with Transfer-Encoding and goes with it.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Header names listed in a Connection header (RFC 9110 §7.6.1: they are hop-by-hop too). */
export function connectionListed(connection: string | string[] | undefined): Set<string> {
  const listed = new Set<string>();
  if (connection === undefined) return listed;
  for (const value of Array.isArray(connection) ? connection : [connection]) {
    for (const name of value.split(',')) {
      const trimmed = name.trim().toLowerCase();
      if (trimmed) listed.add(trimmed);
    }
  }
  return listed;
}
