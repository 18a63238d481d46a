import { describe, expect, it } from 'vitest';
import { clientAddress, proxyList } from '../../src/tracker/client-address.js';
import { endpointText, parseAddress } from '../../src/net/ip-address.js';

describe('parseAddress', () => {
  it.each([
    ['10.1.2.3', 4, '0a010203'],
    ['::ffff:10.1.2.3', 4, '0a010203'],
    ['::1', 6, '00000000000000000000000000000001'],
    ['2001:db8::8:1', 6, '20010db8000000000000000000080001'],
    ['[fe80::1%eth0]', 6, 'fe800000000000000000000000000001'],
    ['64:ff9b::192.0.2.33', 6, '0064ff9b0000000000000000c0000221'],
  ])('%s is IPv%i %s', (text, family, hex) => {
    const a = parseAddress(text)!;
    expect(a.family).toBe(family);
    expect(a.bytes.toString('hex')).toBe(hex);
  });
  it('rejects what is not an address', () => {
    expect(parseAddress('example.org')).toBeUndefined();
    expect(parseAddress('300.1.1.1')).toBeUndefined();
  });
  it('prints compact endpoints back as text', () => {
    expect(endpointText(Buffer.from('0a0102031ae1', 'hex'))).toBe('10.1.2.3');
    expect(endpointText(Buffer.from('20010db80000000000000000000800011ae1', 'hex'))).toBe('2001:db8::8:1');
  });

  it('writes IPv6 as RFC 5952 says: the longest run of zero groups shortened, a lone zero group kept', () => {
    const v6 = (hex: string) => endpointText(Buffer.from(`${hex}1ae1`, 'hex'));
    expect(v6('20010db8000000000001000000000000')).toBe('2001:db8:0:0:1::');
    expect(v6('20010db8000000010000000000000000')).toBe('2001:db8:0:1::');
    expect(v6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1');
    expect(v6('20010db8000100010001000100010001')).toBe('2001:db8:1:1:1:1:1:1');
    expect(v6('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1');
    expect(v6('00000000000000000000000000000001')).toBe('::1');
    expect(v6('00000000000000000000000000000000')).toBe('::');
  });
});

describe('clientAddress', () => {
  const rules = { ipv4: true, ipv6: true, allowClientIp: false, trustedProxies: proxyList(['127.0.0.1', '10.0.0.0/8']) };
  it('takes the nearest untrusted hop of X-Forwarded-For behind trusted proxies', () => {
    expect(clientAddress('127.0.0.1', { 'x-forwarded-for': '203.0.113.9, 10.2.3.4' }, rules).text).toBe('203.0.113.9');
  });
  it('falls back to X-Real-IP, then to the socket', () => {
    expect(clientAddress('127.0.0.1', { 'x-real-ip': '203.0.113.5' }, rules).text).toBe('203.0.113.5');
    expect(clientAddress('127.0.0.1', {}, rules).text).toBe('127.0.0.1');
  });
  it('ignores forwarded headers from anyone else', () => {
    expect(clientAddress('198.51.100.1', { 'x-forwarded-for': '203.0.113.9' }, rules).text).toBe('198.51.100.1');
  });
});
