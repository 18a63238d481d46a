export interface ListenTarget {
  host: string;
  port: number;
  ipv6Only: boolean;
}

/**
 * Where a "host:port" listen setting binds. ":port" means every address of the enabled stacks:
 * "::" dual-stack when both are on, "0.0.0.0" for IPv4 alone, "::" IPv6-only for IPv6 alone.
 */
export function listenTarget(listen: string, stacks: { ipv4: boolean; ipv6: boolean }): ListenTarget {
  const colon = listen.lastIndexOf(':');
  let host = listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host !== '') return { host, port, ipv6Only: false };
  if (stacks.ipv4 && stacks.ipv6) return { host: '::', port, ipv6Only: false };
  if (stacks.ipv6) return { host: '::', port, ipv6Only: true };
  return { host: '0.0.0.0', port, ipv6Only: false };
}
