import { describe, expect, it } from 'vitest';
import { classifyIp, embeddedIpv4, formatIp, inRange, isLoopbackAddress, parseIp, parseRange } from '../../src/internal.js';

const kind = (text: string): string => classifyIp(parseIp(text) as Uint8Array);
/** What a URL's host becomes once the WHATWG parser has normalised it (what the policy sees). */
const hostOf = (url: string): string => new URL(url).hostname;

describe('IP addresses', () => {
  it('parses IPv4, IPv6 (with ::, an IPv4 tail, brackets and a zone) and nothing else', () => {
    expect([...(parseIp('10.1.2.3') as Uint8Array)]).toEqual([10, 1, 2, 3]);
    expect(parseIp('[::1]')?.length).toBe(16);
    expect(formatIp(parseIp('fe80::1%eth0') as Uint8Array)).toBe('fe80::1');
    expect(formatIp(parseIp('::ffff:127.0.0.1') as Uint8Array)).toBe('::ffff:7f00:1');
    for (const bad of ['localhost', '127.evil.example', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1::2::3', '12345::', '0x7f.1', 'fe80::1::']) expect(parseIp(bad)).toBeUndefined();
  });

  it('the URL parser turns decimal, octal, hex and short IPv4 forms into dotted quads before the policy looks', () => {
    expect(hostOf('http://2130706433/')).toBe('127.0.0.1');
    expect(hostOf('http://0x7f.1/')).toBe('127.0.0.1');
    expect(hostOf('http://0177.0.0.01/')).toBe('127.0.0.1');
    expect(hostOf('http://127.1/')).toBe('127.0.0.1');
    expect(hostOf('http://[::ffff:127.0.0.1]/')).toBe('[::ffff:7f00:1]');
    expect(hostOf('http://１２７．０．０．１/')).toBe('127.0.0.1');
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::1]/', 'http://１２７．０．０．１/']) expect(kind(hostOf(url))).toBe('loopback');
  });

  it('classifies loopback, private, link-local, unique-local, metadata, unspecified and public addresses', () => {
    expect(kind('127.0.0.1')).toBe('loopback');
    expect(kind('127.255.1.9')).toBe('loopback');
    expect(kind('::1')).toBe('loopback');
    expect(kind('10.0.0.1')).toBe('private');
    expect(kind('172.31.255.255')).toBe('private');
    expect(kind('192.168.1.1')).toBe('private');
    expect(kind('169.254.169.254')).toBe('metadata');
    expect(kind('fd00:ec2::254')).toBe('metadata');
    expect(kind('169.254.1.1')).toBe('link-local');
    expect(kind('fe80::1')).toBe('link-local');
    expect(kind('fd12:3456::1')).toBe('unique-local');
    expect(kind('0.0.0.0')).toBe('unspecified');
    expect(kind('::')).toBe('unspecified');
    expect(kind('100.64.0.1')).toBe('shared');
    expect(kind('224.0.0.1')).toBe('multicast');
    expect(kind('8.8.8.8')).toBe('public');
    expect(kind('2a00:1450:4001::1')).toBe('public');
    expect(kind('172.32.0.1')).toBe('public');
  });

  it('an IPv6 address carrying an IPv4 one has its class: mapped, compatible, NAT64, 6to4', () => {
    expect(kind('::ffff:127.0.0.1')).toBe('loopback');
    expect(kind('::ffff:169.254.169.254')).toBe('metadata');
    expect(kind('::127.0.0.1')).toBe('loopback');
    expect(kind('64:ff9b::10.0.0.1')).toBe('private');
    expect(kind('2002:7f00:1::')).toBe('loopback');
    expect(kind('::ffff:8.8.8.8')).toBe('public');
    expect(embeddedIpv4(parseIp('2a00::1') as Uint8Array)).toBeUndefined();
  });

  it('CIDR ranges match IPv4, IPv6 and IPv4-mapped addresses', () => {
    const range = parseRange('10.0.0.0/8') as NonNullable<ReturnType<typeof parseRange>>;
    expect(inRange(parseIp('10.9.8.7') as Uint8Array, range)).toBe(true);
    expect(inRange(parseIp('::ffff:10.9.8.7') as Uint8Array, range)).toBe(true);
    expect(inRange(parseIp('11.0.0.1') as Uint8Array, range)).toBe(false);
    expect(inRange(parseIp('fd00::5') as Uint8Array, parseRange('fd00::/8') as NonNullable<ReturnType<typeof parseRange>>)).toBe(true);
    expect(parseRange('10.0.0.0/33')).toBeUndefined();
    expect(parseRange('example.org')).toBeUndefined();
  });

  it('the loopback check is on parsed addresses, never on text: a name starting with 127. is not loopback', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.2')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('127.evil.example')).toBe(false);
    expect(isLoopbackAddress('127.0.0.1.nip.io')).toBe(false);
    expect(isLoopbackAddress('localhost')).toBe(false);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});
