import { LINK_LOCAL_IPV4, LINK_LOCAL_IPV6, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6, coversIpv4Mapped, mustParseCidr, overlaps, parseCidr } from '../../lib/cidr';

describe('CIDR blocks', () => {
  test.each([
    ['10.20.0.0/16', 4, 16, '10.20.0.0/16', false, false],
    ['10.0.0.1/8', 4, 8, '10.0.0.0/8', true, false],
    ['0.0.0.0/0', 4, 0, '0.0.0.0/0', false, false],
    ['192.0.2.7/32', 4, 32, '192.0.2.7/32', false, false],
    ['2001:db8::/32', 6, 32, '2001:db8::/32', false, false],
    ['2001:DB8:0:0:0:0:0:1/128', 6, 128, '2001:db8::1/128', false, false],
    ['2001:db8::1/64', 6, 64, '2001:db8::/64', true, false],
    ['2001:db8:0:1:0:0:0:0/64', 6, 64, '2001:db8:0:1::/64', false, false],
    ['1:0:0:2:0:0:0:3/128', 6, 128, '1:0:0:2::3/128', false, false],
    ['1:0:0:2:0:0:3:4/128', 6, 128, '1::2:0:0:3:4/128', false, false],
    ['::/0', 6, 0, '::/0', false, false],
    ['fe80::/10', 6, 10, 'fe80::/10', false, false],
    ['::ffff:169.254.169.254/128', 4, 32, '169.254.169.254/32', false, true],
    ['::ffff:a9fe:a9fe/128', 4, 32, '169.254.169.254/32', false, true],
    ['::ffff:10.1.2.3/104', 4, 8, '10.0.0.0/8', true, true],
  ] as const)('parses %s', (text, family, prefix, canonical, hostBitsSet, ipv4Mapped) => {
    expect(parseCidr(text)).toEqual({ text, family, prefix, canonical, hostBitsSet, ipv4Mapped, network: expect.any(BigInt) });
  });

  test.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/08', '010.0.0.0/8', '10.0.0/8', '10.0.0.0/-1', '10.0.0.0/8/8', '::/129', 'fe80::1%eth0/128', '1::2::3/64', 'example.com/8', ''])(
    'refuses %j',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
      expect(() => mustParseCidr(text)).toThrow(`"${text}" is not a CIDR block`);
    },
  );

  test('finds overlaps in both directions, within one family only', () => {
    const block = (text: string) => mustParseCidr(text);
    expect(overlaps(block('169.254.169.254/32'), block(LINK_LOCAL_IPV4))).toBe(true);
    expect(overlaps(block(LINK_LOCAL_IPV4), block('128.0.0.0/1'))).toBe(true);
    expect(overlaps(block('10.96.0.0/12'), block('10.111.255.0/24'))).toBe(true);
    expect(overlaps(block('10.96.0.0/12'), block('10.112.0.0/24'))).toBe(false);
    expect(overlaps(block('fe80::1/128'), block(LINK_LOCAL_IPV6))).toBe(true);
    expect(overlaps(block('fec0::/10'), block(LINK_LOCAL_IPV6))).toBe(false);
    expect(overlaps(block('::ffff:10.96.0.1/128'), block('10.96.0.0/12'))).toBe(true);
    expect(overlaps(block('::a60:1/128'), block('10.96.0.0/12'))).toBe(false);
  });

  test('finds IPv6 blocks that hold every IPv4-mapped address', () => {
    expect(['::/64', '::/80', '::ffff:0:0/95', '2001:db8::/32', '::ffff:0.0.0.0/96', '::/96'].filter((text) => coversIpv4Mapped(mustParseCidr(text)))).toEqual([
      '::/64',
      '::/80',
      '::ffff:0:0/95',
    ]);
  });

  test('the ranges allowInternet never opens include the link-local ranges the egress checks refuse', () => {
    expect(NON_PUBLIC_IPV4).toContain(LINK_LOCAL_IPV4);
    expect(NON_PUBLIC_IPV6).toContain(LINK_LOCAL_IPV6);
  });
});
