import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function and
// per layer (mika's src, fastify, node's http internals, GC, ...).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileLine[];
  layers: ProfileLine[];
}

function layerOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.includes('/node_modules/fastify/') || url.includes('/node_modules/find-my-way/') || url.includes('/node_modules/light-my-request/') || url.includes('/node_modules/avvio/')) return 'fastify';
  if (url.includes('/node_modules/ioredis/') || url.includes('/node_modules/redis-parser/') || url.includes('/node_modules/denque/')) return 'ioredis';
  if (url.includes('/node_modules/')) return 'other dependencies';
  if (url.includes('/src/tracker/')) return 'mika src/tracker';
  if (url.includes('/src/store/')) return 'mika src/store';
  if (url.includes('/src/accounting/')) return 'mika src/accounting';
  if (url.includes('/src/')) return 'mika src (other)';
  if (url.startsWith('node:internal/http') || url.startsWith('node:_http') || url.startsWith('node:http')) return 'node http';
  if (url.startsWith('node:internal/stream') || url.startsWith('node:net') || url.startsWith('node:internal/net')) return 'node net/streams';
  if (url.startsWith('node:')) return 'node (other)';
  return 'other';
}

export function summariseProfile(path: string, top = 20, root = process.cwd()): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
  }
  const byFunction = new Map<string, number>();
  const byLayer = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const file = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    const name = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const layer = layerOf(url, functionName);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + us);
  }
  const lines = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: total === 0 ? 0 : us / total }));
  return { totalMs: total / 1000, functions: lines(byFunction).slice(0, top), layers: lines(byLayer) };
}
