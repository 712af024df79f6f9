import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { BollardError } from '../errors/index.js';

/** Where webhook deliveries may go, from the configuration and the running server. */
export interface DestinationRules {
  /**
   * `BOLLARD_WEBHOOK_ALLOW_PRIVATE`: `all` lets every special-purpose range through; `cidrs` only
   * those ranges. Neither: public addresses only.
   */
  allowPrivate: { all: boolean; cidrs: readonly string[] };
  /**
   * Bollard's own listening ports (proxy, admin). On this machine's addresses they are refused even
   * when private destinations are allowed: a subscription must never make Bollard call itself.
   */
  ownPorts: () => Iterable<number>;
  /** Resolves a name to its addresses (default: the system resolver, as `getaddrinfo` answers). */
  lookup?: (hostname: string) => Promise<string[]>;
}

async function systemLookup(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true })).map((answer) => answer.address);
}

/** A delivery refused because of where it would go; the message says why, without the URL. */
export class DestinationRefusedError extends Error {
  readonly code = 'destination_refused';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

type Family = 'ipv4' | 'ipv6';

/** Special-purpose ranges (RFC 6890) a webhook may not reach unless the operator allows it. */
const SPECIAL_RANGES: ReadonlyArray<readonly [string, number, Family, string]> = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" (0.0.0.0/8) address'],
  ['10.0.0.0', 8, 'ipv4', 'a private (10/8) address'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT (100.64/10) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local (169.254/16, cloud metadata) address'],
  ['172.16.0.0', 12, 'ipv4', 'a private (172.16/12) address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol (192.0.0/24) address'],
  ['192.168.0.0', 16, 'ipv4', 'a private (192.168/16) address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking (198.18/15) address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved (240/4) address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fe80::', 10, 'ipv6', 'a link-local (fe80::/10) address'],
  ['fc00::', 7, 'ipv6', 'a unique-local (fc00::/7) address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const SPECIAL = SPECIAL_RANGES.map(([network, prefix, family, label]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, label };
});

/**
 * IPv6 spellings of an IPv4 address → that address: `::ffff:7f00:1` (mapped), `::7f00:1` (compatible),
 * `64:ff9b::7f00:1` (NAT64) all → `127.0.0.1`. Other addresses are returned unchanged.
 */
export function unmapIPv4(address: string): string {
  const lower = address.toLowerCase();
  const dotted = /^(?:::(?:ffff:)?|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1] ?? address;
  const hex = /^(?:::(?:ffff:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return address;
  const high = Number.parseInt(hex[1] ?? '0', 16);
  const low = Number.parseInt(hex[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function familyOf(address: string): Family {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** The special range an address is in (its label), or null for a public address. */
export function specialRange(address: string): string | null {
  const plain = unmapIPv4(address);
  const family = familyOf(plain);
  return SPECIAL.find((range) => range.family === family && range.list.check(plain, family))?.label ?? null;
}

function allowedRanges(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', prefix = ''] = cidr.split('/');
    list.addSubnet(unmapIPv4(network), Number(prefix), familyOf(unmapIPv4(network)));
  }
  return list;
}

/** Addresses that always mean this machine: loopback and "this host". */
const THIS_MACHINE = new BlockList();
THIS_MACHINE.addSubnet('127.0.0.0', 8, 'ipv4');
THIS_MACHINE.addSubnet('0.0.0.0', 8, 'ipv4');
THIS_MACHINE.addAddress('::1', 'ipv6');
THIS_MACHINE.addAddress('::', 'ipv6');

/** This machine's own addresses: with one of Bollard's ports, they are Bollard itself. */
function isOwnAddress(address: string): boolean {
  const plain = unmapIPv4(address);
  if (THIS_MACHINE.check(plain, familyOf(plain))) return true;
  return Object.values(networkInterfaces()).some((entries) =>
    (entries ?? []).some((entry) => unmapIPv4(entry.address) === plain),
  );
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * Decides webhook destinations: at subscribe time on the URL (its host when it is an address, in
 * any spelling the URL parser accepts — `2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`), and at
 * delivery time on the address the name resolves to, which the connection is then pinned to.
 * @example
 *   const guard = createDestinationGuard({ allowPrivate: { all: false, cidrs: [] }, ownPorts: () => [7600, 7601] });
 *   guard.checkUrl('http://2130706433/hooks'); // throws validation_failed: a loopback address
 */
export function createDestinationGuard(rules: DestinationRules) {
  const allowed = allowedRanges(rules.allowPrivate.cidrs);

  /** Why `address:port` may not receive a delivery, or null when it may. */
  function addressProblem(address: string, port: number): string | null {
    const plain = unmapIPv4(address);
    if ([...rules.ownPorts()].includes(port) && isOwnAddress(plain)) {
      return `${address} port ${port} is Bollard itself`;
    }
    const range = specialRange(plain);
    if (!range || rules.allowPrivate.all || allowed.check(plain, familyOf(plain))) return null;
    return `${address} is ${range}; set BOLLARD_WEBHOOK_ALLOW_PRIVATE to allow it`;
  }

  return {
    addressProblem,

    /** Subscribe time: throws `validation_failed` naming why, for a URL that may never be delivered to. */
    checkUrl(url: string): void {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new BollardError('validation_failed', `url '${url}' is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new BollardError('validation_failed', 'url must be http:// or https://');
      }
      if (parsed.username || parsed.password) {
        throw new BollardError('validation_failed', 'url must not carry a user name or password');
      }
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) === 0) return; // a name: checked on what it resolves to, at every delivery
      const problem = addressProblem(host, Number(parsed.port) || defaultPort(parsed.protocol));
      if (problem) {
        throw new BollardError('validation_failed', `url refused: ${problem}`, {
          errors: [{ path: 'body.url', message: problem }],
        });
      }
    },

    /**
     * Delivery time: the address to connect to for `hostname:port`, checked. A name is resolved
     * here, once; the caller connects to the returned address, so a second, different answer (DNS
     * rebinding) is never used.
     */
    async resolve(hostname: string, port: number): Promise<string> {
      const host = hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) ? [host] : await (rules.lookup ?? systemLookup)(host);
      const problems: string[] = [];
      for (const address of addresses) {
        const problem = addressProblem(address, port);
        if (!problem) return address;
        problems.push(problem);
      }
      const named = isIP(host) ? '' : `${host} resolves only to refused addresses: `;
      throw new DestinationRefusedError(`${named}${problems[0] ?? 'no address'}`);
    },
  };
}

export type DestinationGuard = ReturnType<typeof createDestinationGuard>;
