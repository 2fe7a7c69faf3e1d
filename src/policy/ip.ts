/**
 * IP addresses as bytes: parsing (IPv4 dotted quads, IPv6 with `::`, an
 * embedded IPv4 tail and a zone), the class of an address (loopback,
 * private, link-local, metadata, …) and CIDR ranges. Portable: the URL
 * policy and the gateway's loopback check decide on parsed addresses, never
 * on text prefixes.
 * @module
 */

/**
 * What kind of address it is. Only `public` addresses are reachable by
 * default from a server-side fetch of a gateway client's URL.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'metadata'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/** A parsed address: 4 bytes (IPv4) or 16 bytes (IPv6). */
export type IpBytes = Uint8Array;

/**
 * Parses an IPv4 dotted quad (`127.0.0.1`, four decimal parts) or an IPv6
 * address (`::1`, `[::ffff:127.0.0.1]`, `fe80::1%eth0`); `undefined` for
 * anything else, host names included. URL host names come here already
 * normalised by the WHATWG URL parser, which turns `2130706433`,
 * `0x7f.1` and `0177.0.0.1` into `127.0.0.1`.
 *
 * @example
 * ```ts
 * parseIp('::ffff:127.0.0.1'); // 16 bytes
 * parseIp('localhost'); // undefined
 * ```
 */
export function parseIp(text: string): IpBytes | undefined {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone !== -1) t = t.slice(0, zone);
  return parseIpv4(t) ?? parseIpv6(t);
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** A CIDR range: an address and how many leading bits must match. */
export interface IpRange {
  /** The range's first address. */
  bytes: IpBytes;
  /** Leading bits that must match (32 for one IPv4 address, 128 for one IPv6 address). */
  prefix: number;
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8` or one address (a full-length range);
 * `undefined` when it is neither.
 *
 * @example
 * ```ts
 * inRange(parseIp('10.1.2.3')!, parseRange('10.0.0.0/8')!); // true
 * ```
 */
export function parseRange(text: string): IpRange | undefined {
  const [address, bits, extra] = text.trim().split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (bits === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { bytes, prefix: Number(bits) };
}

/**
 * True when the address lies in the range (IPv4-mapped IPv6 addresses match IPv4 ranges).
 *
 * @example
 * ```ts
 * inRange(parseIp('::ffff:10.1.2.3')!, parseRange('10.0.0.0/8')!); // true
 * ```
 */
export function inRange(address: IpBytes, range: IpRange): boolean {
  const a = range.bytes.length === 4 ? (embeddedIpv4(address) ?? address) : address;
  if (a.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a[i] as number) & mask) !== ((range.bytes[i] as number) & mask)) return false;
  }
  return true;
}

/**
 * The IPv4 address an IPv6 address carries and is routed to: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`)
 * and 6to4 (`2002:AABB:CCDD::/16`); `undefined` for the others.
 *
 * @example
 * ```ts
 * formatIp(embeddedIpv4(parseIp('64:ff9b::10.0.0.1')!)!); // '10.0.0.1'
 * ```
 */
export function embeddedIpv4(address: IpBytes): IpBytes | undefined {
  if (address.length === 4) return address;
  const zeros = (from: number, to: number): boolean => address.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && address[10] === 0xff && address[11] === 0xff) return address.slice(12);
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && address[15] === 1)) return address.slice(12);
  if (address[0] === 0 && address[1] === 0x64 && address[2] === 0xff && address[3] === 0x9b && zeros(4, 12)) return address.slice(12);
  if (address[0] === 0x20 && address[1] === 0x02) return address.slice(2, 6);
  return undefined;
}

const V4_CLASSES: Array<[string, AddressClass]> = [
  ['169.254.169.254/32', 'metadata'],
  ['100.100.100.200/32', 'metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['169.254.0.0/16', 'link-local'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const V6_CLASSES: Array<[string, AddressClass]> = [
  ['fd00:ec2::254/128', 'metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['fc00::/7', 'unique-local'],
  ['ff00::/8', 'multicast'],
  ['100::/64', 'reserved'],
  ['2001::/32', 'reserved'],
  ['2001:db8::/32', 'reserved'],
];

const compile = (table: Array<[string, AddressClass]>): Array<[IpRange, AddressClass]> => table.map(([cidr, kind]) => [parseRange(cidr) as IpRange, kind]);
const V4 = compile(V4_CLASSES);
const V6 = compile(V6_CLASSES);

/**
 * The class of an address; an IPv6 address that carries an IPv4 one
 * (`::ffff:127.0.0.1`, NAT64, 6to4) has the class of that IPv4 address.
 *
 * @example
 * ```ts
 * classifyIp(parseIp('::ffff:127.0.0.1')!); // 'loopback'
 * classifyIp(parseIp('169.254.169.254')!); // 'metadata'
 * ```
 */
export function classifyIp(address: IpBytes): AddressClass {
  const v4 = embeddedIpv4(address);
  if (v4) return V4.find(([range]) => inRange(v4, range))?.[1] ?? 'public';
  return V6.find(([range]) => inRange(address, range))?.[1] ?? 'public';
}

/**
 * The class with its article, for messages: `a loopback address`, `an unspecified address`.
 *
 * @example
 * ```ts
 * describeClass('unspecified'); // 'an unspecified address'
 * ```
 */
export function describeClass(kind: AddressClass): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
}

/**
 * Formats an address for messages (`127.0.0.1`, `::1`, `::ffff:7f00:1`).
 *
 * @example
 * ```ts
 * formatIp(parseIp('0:0:0:0:0:0:0:1')!); // '::1'
 * ```
 */
export function formatIp(address: IpBytes): string {
  if (address.length === 4) return [...address].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i] as number) << 8) | (address[i + 1] as number));
  // RFC 5952: the longest run of two or more zero groups becomes `::`.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start === -1) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/**
 * True when `address` (text, as a socket reports it) is a loopback address:
 * 127.0.0.0/8, `::1`, or an IPv4-mapped loopback such as `::ffff:127.0.0.1`.
 * Host names are not addresses and are never loopback here.
 *
 * @example
 * ```ts
 * isLoopbackAddress('::ffff:127.0.0.2'); // true
 * isLoopbackAddress('127.evil.example'); // false
 * ```
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  const bytes = address === undefined ? undefined : parseIp(address);
  return bytes !== undefined && classifyIp(bytes) === 'loopback';
}
