/**
 * IP address blocks (CIDRs) of egress rules and of the cluster's own ranges:
 * parsing, canonical form and overlap. IPv4 and IPv6, including IPv4-mapped
 * IPv6 (`::ffff:169.254.169.254/128`), which is treated as the IPv4 block it
 * maps, so that writing an address in that form never gets around a check.
 *
 * Node's `net` validates the address syntax (no leading zeros in IPv4, no
 * malformed IPv6); this module adds prefixes and arithmetic, which `net`
 * lacks and which no library in the project's dependencies provides.
 */
import * as net from 'net';

/** The link-local ranges, where clouds serve instance metadata and node credentials (169.254.169.254). */
export const LINK_LOCAL_IPV4 = '169.254.0.0/16';
export const LINK_LOCAL_IPV6 = 'fe80::/10';

/** Address ranges that `allowInternet` never opens: private, shared, link-local (cloud metadata). */
export const NON_PUBLIC_IPV4: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', LINK_LOCAL_IPV4, '172.16.0.0/12', '192.168.0.0/16'];
export const NON_PUBLIC_IPV6: readonly string[] = ['fc00::/7', LINK_LOCAL_IPV6];

/** The cluster ranges most installations use (kubeadm's service default and flannel's pod default). */
export const DEFAULT_POD_CIDRS: readonly string[] = ['10.244.0.0/16'];
export const DEFAULT_SERVICE_CIDRS: readonly string[] = ['10.96.0.0/12'];

/** A parsed address block. */
export interface Cidr {
  /** The text as written. */
  readonly text: string;
  /** Address family of the block, after mapping IPv4-mapped IPv6 to IPv4. */
  readonly family: 4 | 6;
  /** The first address of the block (host bits cleared). */
  readonly network: bigint;
  /** Prefix length in the block's family (an IPv4-mapped /128 is a /32). */
  readonly prefix: number;
  /** The canonical way to write the block: host bits cleared, IPv4 form for mapped addresses. */
  readonly canonical: string;
  /** True when the text sets bits after the prefix, e.g. `10.0.0.1/8`. */
  readonly hostBitsSet: boolean;
  /** True when the text is an IPv4-mapped IPv6 block, e.g. `::ffff:10.0.0.0/104`. */
  readonly ipv4Mapped: boolean;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses `a.b.c.d/n` or `x:y::z/n`; undefined when it is not a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const parts = text.split('/');
  if (parts.length !== 2 || !/^(0|[1-9]\d{0,2})$/.test(parts[1])) return undefined;
  const [address, prefixText] = parts;
  const prefix = Number(prefixText);
  let family: 4 | 6;
  let value: bigint | undefined;
  if (net.isIPv4(address)) {
    family = 4;
    value = ipv4Value(address);
  } else if (net.isIPv6(address) && !address.includes('%')) {
    family = 6;
    value = ipv6Value(address);
  }
  if (value === undefined || prefix > BITS[family!]) return undefined;
  const bits = BITS[family!];
  const network = maskTo(value, prefix, bits);
  const hostBitsSet = network !== value;
  if (family! === 6 && prefix >= 96 && network >> 32n === 0xffffn) {
    const mapped = network & 0xffffffffn;
    return { text, family: 4, network: mapped, prefix: prefix - 96, canonical: `${formatIpv4(mapped)}/${prefix - 96}`, hostBitsSet, ipv4Mapped: true };
  }
  const canonical = `${family! === 4 ? formatIpv4(network) : formatIpv6(network)}/${prefix}`;
  return { text, family: family!, network, prefix, canonical, hostBitsSet, ipv4Mapped: false };
}

/** Parses a CIDR the caller has validated. @throws Error when it is not one. */
export function mustParseCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`"${text}" is not a CIDR block`);
  return cidr;
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = BITS[a.family];
  const shortest = Math.min(a.prefix, b.prefix);
  return maskTo(a.network, shortest, bits) === maskTo(b.network, shortest, bits);
}

/** True when `outer` holds every address of `inner`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && overlaps(outer, inner);
}

/**
 * The blocks that `allowInternet` leaves closed in one address family: the
 * non-public ranges, then, canonically written, each of the cluster's own
 * ranges (pods, Services) of that family that none of them already holds.
 */
export function internetExceptions(family: 4 | 6, clusterCidrs: readonly string[]): string[] {
  const nonPublic = family === 4 ? NON_PUBLIC_IPV4 : NON_PUBLIC_IPV6;
  const closed = nonPublic.map(mustParseCidr);
  const extra = clusterCidrs
    .map(mustParseCidr)
    .filter((cidr) => cidr.family === family && !closed.some((block) => contains(block, cidr)))
    .map((cidr) => cidr.canonical);
  return [...nonPublic, ...new Set(extra)];
}

function maskTo(value: bigint, prefix: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  let text = address;
  let low = 0n;
  let embedsIpv4 = false;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    low = ipv4Value(tail);
    embedsIpv4 = true;
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}0:0`;
  }
  const halves = text.split('::');
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]);
  const rest = halves.length === 2 ? groupsOf(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest] : head;
  const value = groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
  return embedsIpv4 ? value | low : value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}


/**
 * True when an IPv6 block is wider than, and contains, `::ffff:0:0/96`, where
 * every IPv4 address has an IPv6 form (`::/64` does).
 */
export function coversIpv4Mapped(cidr: Cidr): boolean {
  if (cidr.family !== 6 || cidr.prefix >= 96) return false;
  return maskTo(0xffffn << 32n, cidr.prefix, 128) === cidr.network;
}
