/** CIDR blocks: checking them in the configuration, and matching a socket's address against them. */
import { BlockList, isIP } from 'node:net';

/** `address/prefix` with an IPv4 or IPv6 address and a prefix length that fits it. */
export function isCidr(block: string): boolean {
  const [address = '', prefix, ...rest] = block.split('/');
  const family = isIP(address);
  if (family === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A source-address filter from CIDR blocks; undefined blocks allow every address. */
export function sourceFilter(blocks: readonly string[] | undefined): (address: string | undefined) => boolean {
  if (!blocks) return () => true;
  const allowed = new BlockList();
  for (const block of blocks) {
    const [address = '', prefix = ''] = block.split('/');
    allowed.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return (address) => {
    if (!address) return false;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const plain = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    return allowed.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}
