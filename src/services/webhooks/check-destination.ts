// Webhook destinations are chosen by API users, so a URL must not reach into the operator's network:
// private, loopback, link-local (cloud metadata at 169.254.169.254 included), CGNAT, multicast and reserved
// addresses are refused unless the operator allows them. The check runs on the addresses a name resolves
// to, and again at connect time (see deliver-webhook.ts) so a name that changes its answer cannot slip by.
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

export class DestinationRefusedError extends Error {}

/**
 * The operator's exceptions: CIDRs (`127.0.0.0/8`, `::1/128`), single addresses, or the words `loopback`
 * and `private` (all the refused ranges). From config or VALORA_WEBHOOK_ALLOW (comma-separated).
 */
export class DestinationPolicy {
  private readonly allowed = new BlockList();
  private allowAll = false;

  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim();
      if (!entry) continue;
      if (entry === 'private' || entry === 'all') this.allowAll = true;
      else if (entry === 'loopback') {
        this.allowed.addSubnet('127.0.0.0', 8, 'ipv4');
        this.allowed.addAddress('::1', 'ipv6');
      } else {
        const [address, bits] = entry.split('/');
        const family = isIP(address ?? '');
        if (!family) throw new Error(`webhook allowlist entry '${entry}' is not an address, CIDR, 'loopback' or 'private'`);
        const type = family === 6 ? 'ipv6' : 'ipv4';
        if (bits === undefined) this.allowed.addAddress(address!, type);
        else this.allowed.addSubnet(address!, Number(bits), type);
      }
    }
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): DestinationPolicy {
    return new DestinationPolicy((env.VALORA_WEBHOOK_ALLOW ?? '').split(','));
  }

  /** Why this address may not be called, or null when it may. */
  refusal(address: string): string | null {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (!blocked.check(ip, type)) return null;
    if (this.allowAll || this.allowed.check(ip, type)) return null;
    return `resolves to ${ip}, a private, loopback, link-local or reserved address`;
  }

  /** Validates a URL and every address its host resolves to; throws DestinationRefusedError with the reason. */
  async check(url: string): Promise<URL> {
    const parsed = parseWebhookUrl(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await lookup(host, { all: true })).map((a) => a.address);
      } catch {
        throw new DestinationRefusedError(`host ${host} cannot be resolved`);
      }
    }
    for (const address of addresses) {
      const reason = this.refusal(address);
      if (reason) throw new DestinationRefusedError(reason);
    }
    return parsed;
  }
}

export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DestinationRefusedError('must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new DestinationRefusedError('must be an http or https URL');
  if (parsed.username || parsed.password) throw new DestinationRefusedError('must not contain credentials');
  return parsed;
}
