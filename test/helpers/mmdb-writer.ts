import { isIPv4 } from 'node:net';
import { parseAddress } from '../../src/net/ip-address.js';

// A small MaxMind DB (.mmdb) writer for tests: an IPv6 tree (IPv4 networks under ::/96, where
// readers look them up), 32-bit records, and the data types a City database uses (maps, strings,
// doubles, uint32). Format: https://maxmind.github.io/MaxMind-DB/ — enough of it for deterministic
// fixtures, not a general writer (networks must not nest).

export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** "a.b.c.d/len" or "v6::/len". */
  cidr: string;
  data: MmdbValue;
}

interface Node {
  children: [Node | Leaf | undefined, Node | Leaf | undefined];
}
interface Leaf {
  data: Buffer;
}

const isLeaf = (n: Node | Leaf): n is Leaf => 'data' in n;

function control(type: number, size: number): Buffer {
  const ext = type > 7;
  const head = (ext ? 0 : type << 5) | (size < 29 ? size : size < 285 ? 29 : size < 65_821 ? 30 : 31);
  const parts = [head];
  if (ext) parts.push(type - 7);
  if (size >= 65_821) {
    const s = size - 65_821;
    parts.push((s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff);
  } else if (size >= 285) {
    const s = size - 285;
    parts.push((s >> 8) & 0xff, s & 0xff);
  } else if (size >= 29) parts.push(size - 29);
  return Buffer.from(parts);
}

/** One value in the data section's encoding (no pointers: each value is written out whole). */
export function encodeValue(v: MmdbValue): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([control(2, b.length), b]);
  }
  if (typeof v === 'boolean') return control(14, v ? 1 : 0);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v);
      let i = 0;
      while (i < 4 && b[i] === 0) i++;
      return Buffer.concat([control(6, 4 - i), b.subarray(i)]);
    }
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return Buffer.concat([control(3, 8), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([control(11, v.length), ...v.map(encodeValue)]);
  const entries = Object.entries(v);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, val]) => [encodeValue(k), encodeValue(val)])]);
}

function networkBits(cidr: string): { bytes: Buffer; bits: number } {
  const [addr = '', len = ''] = cidr.split('/');
  const parsed = parseAddress(addr);
  if (!parsed) throw new Error(`bad network ${cidr}`);
  if (isIPv4(addr)) {
    const bytes = Buffer.alloc(16);
    parsed.bytes.copy(bytes, 12);
    return { bytes, bits: 96 + Number(len) };
  }
  return { bytes: parsed.bytes, bits: Number(len) };
}

/** The bytes of a .mmdb file holding `networks`. */
export function writeMmdb(networks: MmdbNetwork[], databaseType = 'Test-City'): Buffer {
  const root: Node = { children: [undefined, undefined] };
  for (const { cidr, data } of networks) {
    const { bytes, bits } = networkBits(cidr);
    let node = root;
    for (let i = 0; i < bits; i++) {
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      if (i === bits - 1) {
        node.children[bit] = { data: encodeValue(data) };
        break;
      }
      let next = node.children[bit];
      if (next === undefined) node.children[bit] = next = { children: [undefined, undefined] };
      if (isLeaf(next)) throw new Error(`${cidr} nests inside another network`);
      node = next;
    }
  }

  // Nodes numbered breadth-first; leaves' data laid out in the data section in order of use.
  const nodes: Node[] = [];
  const queue: Node[] = [root];
  while (queue.length > 0) {
    const n = queue.shift()!;
    nodes.push(n);
    for (const c of n.children) if (c && !isLeaf(c)) queue.push(c);
  }
  const index = new Map(nodes.map((n, i) => [n, i]));
  const count = nodes.length;
  const data: Buffer[] = [];
  let dataLength = 0;
  const record = (c: Node | Leaf | undefined): number => {
    if (c === undefined) return count;
    if (!isLeaf(c)) return index.get(c)!;
    const at = dataLength;
    data.push(c.data);
    dataLength += c.data.length;
    return count + 16 + at;
  };
  const tree = Buffer.alloc(count * 8);
  nodes.forEach((n, i) => {
    tree.writeUInt32BE(record(n.children[0]), i * 8);
    tree.writeUInt32BE(record(n.children[1]), i * 8 + 4);
  });
  const metadata = encodeValue({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    database_type: databaseType,
    description: { en: 'mika test database' },
    ip_version: 6,
    languages: ['en'],
    node_count: count,
    record_size: 32,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'), metadata]);
}

/** A City-database record at a latitude/longitude. */
export const cityAt = (lat: number, lon: number, country: string): MmdbValue => ({
  country: { iso_code: country },
  location: { latitude: lat, longitude: lon },
});
