import { lookup } from 'node:dns/promises';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Host name → addresses. The system resolver in production; tests inject their own (DNS rebinding). */
export type HostResolver = (host: string) => Promise<string[]>;
export const HOST_RESOLVER = Symbol('HOST_RESOLVER');

export const systemResolver: HostResolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** NAT64 (RFC 6052 well-known prefix), 6to4 and IPv4-mapped addresses carry an IPv4 address that is the real destination. */
function embeddedIPv4(a: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const p = a.parts;
  if (range === 'ipv4Mapped') return a.toIPv4Address();
  if (range === 'rfc6052' && p[2] === 0) return new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  if (range === '6to4') return new ipaddr.IPv4([p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff]);
  return null;
}

/**
 * Why an address may not be a webhook target, or null when it may. Allow-list, not deny-list: only
 * what ipaddr.js classes as plain `unicast` passes, so every special range it knows (private,
 * loopback, link-local, unique-local, CGNAT, documentation, benchmarking, Teredo, site-local,
 * multicast, reserved...) is refused, including ones added in later versions. Addresses that
 * embed an IPv4 destination are judged by that destination.
 */
export function addressRefusal(ip: string): string | null {
  if (!ipaddr.isValid(ip)) return `${ip} is not an IP address`;
  const a = ipaddr.parse(ip);
  const range = a.range();
  if (a instanceof ipaddr.IPv6) {
    const v4 = embeddedIPv4(a, range);
    if (v4) {
      const inner = addressRefusal(v4.toString());
      return inner ? `${ip} embeds ${inner}` : null;
    }
    // ::a.b.c.d (deprecated IPv4-compatible, ::/96) is "unicast" to ipaddr.js but reaches a.b.c.d on some stacks
    if (range === 'unicast' && a.parts.slice(0, 6).every((x) => x === 0)) return `${ip} is an IPv4-compatible address`;
  }
  return range === 'unicast' ? null : `${ip} is in the ${range} range`;
}

/** Kept for callers that want a yes/no. */
export function isPrivateAddress(ip: string): boolean {
  return addressRefusal(ip) !== null;
}

export interface PinnedTarget {
  url: URL;
  /** The address the request connects to: the one that was checked. */
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host once and, unless `allowPrivate`, refuses it when any address it resolves
 * to is not public unicast. The answer is pinned: deliver with {@link postPinned}, which connects to
 * that exact address, so a second lookup (DNS rebinding between check and connect) never happens.
 */
export async function resolveWebhookTarget(
  rawUrl: string,
  opts: { resolver?: HostResolver; allowPrivate?: boolean } = {},
): Promise<{ target: PinnedTarget } | { refused: string; retryable?: boolean }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { refused: 'the url cannot be parsed' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `${url.protocol} is not http(s)` };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addrs: string[];
  if (isIP(host)) addrs = [host];
  else {
    if (!opts.allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) return { refused: `${host} is a loopback name` };
    try {
      addrs = await (opts.resolver ?? systemResolver)(host);
    } catch (e) {
      // a lookup failure may be passing: the delivery worker retries it, a new subscription is refused
      return { refused: `${host} does not resolve (${e instanceof Error ? e.message : String(e)})`, retryable: true };
    }
    if (!addrs.length) return { refused: `${host} does not resolve`, retryable: true };
  }
  if (!opts.allowPrivate) {
    for (const a of addrs) {
      const why = addressRefusal(a);
      if (why) return { refused: `${host} resolves to a refused address: ${why}` };
    }
  }
  const address = addrs[0];
  return { target: { url, address, family: isIP(address) === 6 ? 6 : 4 } };
}

/** Subscription-time check: why the URL is refused, or null. */
export async function privateTargetReason(url: string, resolver?: HostResolver): Promise<string | null> {
  const r = await resolveWebhookTarget(url, { resolver });
  return 'refused' in r ? r.refused : null;
}

/**
 * POSTs to a pinned target: the connection goes to `target.address` (custom `lookup`, no DNS),
 * while Host and TLS SNI/certificate checks keep the URL's name. Redirects are not followed.
 */
export function postPinned(target: PinnedTarget, opts: { headers: Record<string, string>; body: string; timeoutMs: number }): Promise<{ status: number }> {
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        lookup: pinned,
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
