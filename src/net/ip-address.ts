import { isIPv4, isIPv6 } from 'node:net';

// Text addresses to the bytes that go into compact peer lists.

export type Family = 4 | 6;

export interface Address {
  family: Family;
  /** 4 or 16 bytes. */
  bytes: Buffer;
  text: string;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function v4Bytes(text: string): Buffer {
  const b = Buffer.allocUnsafe(4);
  let i = 0;
  for (const part of text.split('.')) b[i++] = Number(part);
  return b;
}

function v6Bytes(text: string): Buffer {
  const b = Buffer.alloc(16);
  let tail = text;
  let v4: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    v4 = v4Bytes(text.slice(lastColon + 1));
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = tail.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  headGroups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  restGroups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 16 - (restGroups.length - i) * 2));
  if (v4) v4.copy(b, 12);
  return b;
}

/** Parses an address as the socket or a header gives it; IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(raw: string): Address | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const mapped = MAPPED_V4.exec(text);
  if (mapped) text = mapped[1]!;
  if (isIPv4(text)) return { family: 4, bytes: v4Bytes(text), text };
  if (isIPv6(text)) return { family: 6, bytes: v6Bytes(text), text: text.toLowerCase() };
  return undefined;
}

/** Compact endpoint: address bytes then port, big-endian (BEP 23 / BEP 7). */
export function compactEndpoint(addr: Address, port: number): Buffer {
  const out = Buffer.allocUnsafe(addr.bytes.length + 2);
  addr.bytes.copy(out, 0);
  out.writeUInt16BE(port, addr.bytes.length);
  return out;
}

/** The text form of a compact endpoint's address (for dictionary peer lists). */
export function endpointText(endpoint: Buffer): string {
  if (endpoint.length === 6) return `${endpoint[0]}.${endpoint[1]}.${endpoint[2]}.${endpoint[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(endpoint.readUInt16BE(i));
  // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(':');
  return best === -1 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

export const endpointPort = (endpoint: Buffer): number => endpoint.readUInt16BE(endpoint.length - 2);
