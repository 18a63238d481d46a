import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tracker, TrackerRequest } from './tracker.js';

const MAX_PASSKEY = 128;
const LEADING = '/announce/';
const TRAILING = '/announce';

const usable = (passkey: string): string | undefined =>
  passkey.length > 0 && passkey.length <= MAX_PASSKEY && passkey.indexOf('/') === -1 ? passkey : undefined;

/** The passkey of an announce path, `/<passkey>/announce` or `/announce/<passkey>`; undefined for any other path. */
export function announcePasskey(url: string): string | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path.startsWith(LEADING)) return usable(path.slice(LEADING.length));
  if (path.endsWith(TRAILING) && path.length > TRAILING.length) return usable(path.slice(1, -TRAILING.length));
  return undefined;
}

/** What the tracker reads of a node:http request: the raw URL, the socket address, the headers. */
export const trackerRequest = (req: IncomingMessage): TrackerRequest => ({ url: req.url ?? '', socketAddress: req.socket.remoteAddress, headers: req.headers });

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The announce fast path of node:http, for the connections the tracker port's own listener
 * (src/daemon/announce-listener.ts) hands over: a GET to an announce URL goes straight to the tracker,
 * skipping fastify's request and reply objects, hooks and router (docs/performance.md measured them
 * at about 15 % of an announce). Everything else (scrape, unknown paths, other methods) goes on to
 * `fallback`, fastify's handler.
 */
export function announceFastPath(tracker: Tracker, fallback: RequestListener): RequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    const passkey = req.method === 'GET' ? announcePasskey(url) : undefined;
    if (passkey === undefined) return fallback(req, res);
    const apply = () =>
      void tracker.announce(passkey, trackerRequest(req)).then((body) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      });
    if (!hasBody(req)) return apply();
    // node:http hands the request over at the end of its head, before its body is read. An announce
    // whose body turns out broken (bad chunk framing, cut short) gets a 400 from the parser: it must
    // not have been applied by then, so it waits for the whole body, which it then ignores.
    req.once('end', apply);
    req.resume();
  };
}

/** Whether the request says a body follows its head (a GET seldom has one, and the announce ignores it). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
