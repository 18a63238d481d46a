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

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (another mika, or another program?)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this host',
};

/**
 * Binds `server` where the config `field` says; a failure names the field, the address and what
 * to check, e.g. "cannot listen on api.listen ":34001": the address is in use (…)".
 */
export async function listenOn(
  server: { listen(o: { host: string; port: number; ipv6Only: boolean }): Promise<unknown> },
  field: string,
  listen: string,
  stacks: { ipv4: boolean; ipv6: boolean },
): Promise<void> {
  try {
    await server.listen(listenTarget(listen, stacks));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const problem = LISTEN_PROBLEMS[code] ?? (err as Error).message;
    throw new Error(`cannot listen on ${field} ${JSON.stringify(listen)}: ${problem} (change ${field} in the config)`, { cause: err });
  }
}
