import { BlockList, isIP } from 'node:net';

/**
 * Where Sluice may send a webhook. A request names the URL, so without a guard anyone who can submit a
 * request makes the notifier POST into the operator's network: the emulator's admin API on loopback, a
 * cloud metadata endpoint on link-local, databases on private ranges. Addresses in these ranges are
 * refused unless the operator allowlists them, by host name or by CIDR; plain http only for an
 * allowlisted host, since anything on the way could read or change it.
 */
const INTERNAL_RANGES: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking networks
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved and broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], // NAT64: reaches IPv4 addresses, internal ones included
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

/** Names that resolve to the machine itself whatever DNS says. */
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$/;

function internalRanges(): BlockList {
  const list = new BlockList();
  // IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are checked against the IPv4 rules by BlockList itself.
  for (const [network, prefix, family] of INTERNAL_RANGES) list.addSubnet(network, prefix, family);
  return list;
}

const INTERNAL = internalRanges();

export interface WebhookDestinationPolicy {
  /** Host names allowed whatever they resolve to, and over plain http (lowercase). */
  readonly hosts: ReadonlySet<string>;
  /** Addresses allowed although internal. */
  readonly addresses: BlockList;
}

export const WEBHOOK_DESTINATION_ENTRY = /^([a-z0-9.-]+|[0-9a-f:.]+(\/\d{1,3})?)$/i;

/**
 * The operator's allowlist: each entry a host name (`receiver.internal`), an address or a CIDR
 * (`10.20.0.0/16`, `::1`). Throws on an entry that is none of these, naming it.
 */
export function webhookDestinationPolicy(entries: readonly string[]): WebhookDestinationPolicy {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const [address, prefix] = entry.split('/');
    const family = isIP(address!);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`webhook destination "${raw}": bad prefix length`);
      addresses.addSubnet(address!, bits, type);
    } else if (prefix === undefined && WEBHOOK_DESTINATION_ENTRY.test(entry)) {
      hosts.add(entry);
    } else {
      throw new Error(`webhook destination "${raw}" is neither a host name, an address nor a CIDR`);
    }
  }
  return { hosts, addresses };
}

/** URL hosts of IPv6 literals come in brackets. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname.toLowerCase();
}

function addressAllowed(policy: WebhookDestinationPolicy, address: string, family: number): boolean {
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return policy.addresses.check(address, type) || !INTERNAL.check(address, type);
}

/**
 * What is wrong with sending to `url` before any name is resolved: plain http to a host the operator
 * did not allow, or a host that is an internal address or a loopback name. Undefined when it may be
 * tried; the addresses a name resolves to are checked on every attempt (`webhookAddressProblem`).
 */
export function webhookUrlProblem(policy: WebhookDestinationPolicy, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const host = bareHost(parsed.hostname);
  if (policy.hosts.has(host)) return undefined;
  const family = isIP(host);
  if (family !== 0) {
    if (!addressAllowed(policy, host, family)) return `must not point at an internal address (${host}) unless the operator allows it`;
    if (parsed.protocol !== 'https:' && !policy.addresses.check(host, family === 6 ? 'ipv6' : 'ipv4'))
      return 'must use https (plain http only for destinations the operator allows)';
    return undefined;
  }
  if (LOCAL_NAMES.test(host)) return `must not point at this machine (${host}) unless the operator allows it`;
  if (parsed.protocol !== 'https:') return 'must use https (plain http only for destinations the operator allows)';
  return undefined;
}

/** What is wrong with connecting to `address`, which `host` resolved to; undefined when allowed. */
export function webhookAddressProblem(policy: WebhookDestinationPolicy, host: string, address: string, family: number): string | undefined {
  if (policy.hosts.has(bareHost(host))) return undefined;
  if (addressAllowed(policy, address, family)) return undefined;
  return `${host} resolves to an internal address (${address}), which webhooks may not reach unless the operator allows it`;
}
