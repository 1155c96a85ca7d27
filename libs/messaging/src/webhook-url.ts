import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Loopback, private, link-local (cloud metadata), CGNAT, unspecified and unique-local ranges. */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return PRIVATE.check(ip, 'ipv4');
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    return mapped ? PRIVATE.check(mapped[1], 'ipv4') : PRIVATE.check(ip, 'ipv6');
  }
  return false;
}

/**
 * A webhook URL must not make the engine call into its own network (SSRF): the host, and every
 * address it resolves to now, must be public. Returns why not, or null. Resolution can change
 * later (DNS rebinding), so the delivery worker checks again before each attempt.
 */
export async function privateTargetReason(url: string): Promise<string | null> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return 'the url cannot be parsed';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
  const addrs = isIP(host) ? [host] : await lookup(host, { all: true }).then((a) => a.map((x) => x.address)).catch(() => [] as string[]);
  const bad = addrs.find(isPrivateAddress);
  return bad ? `${host} resolves to the private address ${bad}` : null;
}
