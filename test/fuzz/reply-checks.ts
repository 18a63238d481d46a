import bencode from 'bencode';

// What a reply must look like, whatever was asked: the fuzz suite's oracle.

function bencodedDict(body: Buffer): string | undefined {
  if (body[0] !== 0x64 /* d */ || body[body.length - 1] !== 0x65 /* e */) return `not a bencoded dictionary: ${JSON.stringify(body.subarray(0, 80).toString('latin1'))}`;
  try {
    const d = bencode.decode(body) as Record<string, unknown>;
    if ('failure reason' in d) return (d['failure reason'] as Uint8Array).length > 0 ? undefined : 'empty failure reason';
    if ('files' in d) return typeof d.files === 'object' ? undefined : 'scrape files is not a dictionary';
    if (!('interval' in d)) return `bencoded dictionary without failure reason, interval or files: ${Object.keys(d).join(',')}`;
    // Compact peer strings hold whole entries: 6 bytes per IPv4 peer, 18 per IPv6 peer.
    if (d.peers instanceof Uint8Array && d.peers.length % 6 !== 0) return `peers is ${d.peers.length} bytes, not a multiple of 6`;
    if (d.peers6 instanceof Uint8Array && d.peers6.length % 18 !== 0) return `peers6 is ${d.peers6.length} bytes, not a multiple of 18`;
  } catch (err) {
    return `bencode does not decode: ${(err as Error).message}`;
  }
  return undefined;
}

/** What is wrong with a tracker reply: it must be 200 (or a 4xx for a protocol-level error) with a bencoded dictionary. */
export function trackerProblem(status: number, contentType: string | undefined, body: Buffer, head: boolean): string | undefined {
  if (status !== 200 && (status < 400 || status > 499)) return `HTTP ${status}`;
  if (head) return undefined;
  if (!contentType?.startsWith('text/plain')) return `HTTP ${status} content-type ${contentType}`;
  const bad = bencodedDict(body);
  return bad && `HTTP ${status}: ${bad}`;
}

/** What is wrong with an API reply: never a 5xx (but 501 for a reload without a config), errors as `{error:{code,message}}`, JSON throughout. */
export function apiProblem(status: number, contentType: string | undefined, body: Buffer, req: { method: string; path: string }): string | undefined {
  const reloadWithoutConfig = status === 501 && req.path.startsWith('/api/reload');
  if (status >= 500 && !reloadWithoutConfig) return `HTTP ${status}: ${body.toString('utf8').slice(0, 200)}`;
  if (req.method === 'HEAD' || status === 204) return undefined;
  if (status < 400 && req.path.startsWith('/metrics')) return undefined;
  if (!contentType?.startsWith('application/json')) return `HTTP ${status} content-type ${contentType}`;
  let json: { error?: { code?: unknown; message?: unknown } };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return `HTTP ${status}: body is not JSON: ${JSON.stringify(body.subarray(0, 80).toString('latin1'))}`;
  }
  if (status >= 400 && (typeof json?.error?.code !== 'string' || typeof json.error.message !== 'string')) return `HTTP ${status}: not an API error: ${body.toString('utf8').slice(0, 200)}`;
  return undefined;
}
