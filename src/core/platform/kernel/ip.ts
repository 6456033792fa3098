/**
 * IP binding: CIDR allowlists (IPv4 and IPv6) per role and per operator (table ip_allowlist).
 *
 * The rule, applied at sign-in and on every call of a signed-in session (router.ts):
 * - an operator with no entry for themselves or their role is not restricted;
 * - otherwise at least one of the workstation's addresses must fall in one of those ranges, and,
 *   on a real Postgres reached over TCP, so must the client address the server sees
 *   (`inet_client_addr()`, which a workstation cannot choose);
 * - a session whose addresses leave the ranges is ended, not just refused.
 * IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) count as their IPv4 address.
 */
import os from 'node:os';
import ipaddr from 'ipaddr.js';

export type Cidr = string;

/**
 * The canonical form of a CIDR range, or null when it is not one (a bare address is a /32 or /128).
 */
export function normaliseCidr(text: string): Cidr | null {
  const value = text.trim();
  try {
    if (!value.includes('/')) {
      const a = ipaddr.process(value);
      return `${a.toString()}/${a.kind() === 'ipv4' ? 32 : 128}`;
    }
    const [address, prefix] = ipaddr.parseCIDR(value);
    const a =
      address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
        ? (address as ipaddr.IPv6).toIPv4Address()
        : address;
    const bits = a.kind() === 'ipv4' && address.kind() === 'ipv6' ? prefix - 96 : prefix;
    if (bits < 0) return null;
    return `${a.toString()}/${bits}`;
  } catch {
    return null;
  }
}

/** Whether `address` falls in any of `cidrs` (ranges of the other IP version never match). */
export function inRanges(address: string, cidrs: readonly Cidr[]): boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.process(address.replace(/%.*$/, '')); // a zone index (fe80::1%eth0) is not part of the address
  } catch {
    return false;
  }
  return cidrs.some((c) => {
    const normal = normaliseCidr(c);
    if (!normal) return false;
    const range = ipaddr.parseCIDR(normal);
    return range[0].kind() === a.kind() && a.match(range as [typeof a, number]);
  });
}

/**
 * The addresses this workstation has on its network interfaces (loopback only when it has no
 * other).
 */
export function workstationAddresses(): string[] {
  const found: string[] = [];
  for (const list of Object.values(os.networkInterfaces()))
    for (const i of list ?? []) if (!i.internal) found.push(i.address);
  return found.length > 0 ? found : ['127.0.0.1', '::1'];
}

export interface IpVerdict {
  allowed: boolean;
  /**
   * Why not, naming the addresses and the ranges (addresses are not secrets; the audit keeps them).
   */
  reason: string | null;
}

export function checkAddresses(input: {
  ranges: readonly Cidr[];
  workstation: readonly string[];
  server: string | null;
}): IpVerdict {
  if (input.ranges.length === 0) return { allowed: true, reason: null };
  if (input.server !== null && !inRanges(input.server, input.ranges)) {
    return {
      allowed: false,
      reason: `the central store sees this workstation at ${input.server}, outside the allowed ranges ${input.ranges.join(', ')}`,
    };
  }
  if (!input.workstation.some((a) => inRanges(a, input.ranges))) {
    return {
      allowed: false,
      reason: `none of this workstation's addresses (${input.workstation.join(', ') || 'none'}) is in the allowed ranges ${input.ranges.join(', ')}`,
    };
  }
  return { allowed: true, reason: null };
}
