import { describe, expect, it } from 'vitest';
import { HAND_OVER, INCOMPLETE, newRequestHead, readRequestHead } from '../../src/net/request-head.js';
import { announcePasskey } from '../../src/tracker/announce-route.js';

const read = (text: string, maxHead = 8192, maxUrl = 4096) => {
  const head = newRequestHead();
  return { n: readRequestHead(Buffer.from(text, 'latin1'), maxHead, maxUrl, announcePasskey, head), head };
};
const GET = 'GET /pk/announce?info_hash=%AA%BB&port=1 HTTP/1.1\r\n';

describe('the announce listener reads a request head', () => {
  it('as far as its blank line, with the target, keep-alive and the headers the tracker reads', () => {
    const text = `${GET}Host: x\r\nUser-Agent:  qBittorrent/4.6 \r\nx-forwarded-for: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8\r\nAccept-Encoding: gzip\r\n\r\n`;
    const { n, head } = read(`${text}GET /next`);
    expect(n).toBe(text.length);
    expect(head.target).toBe('/pk/announce?info_hash=%AA%BB&port=1');
    expect(head.keepAlive).toBe(true);
    expect(head.headers).toEqual({ 'user-agent': 'qBittorrent/4.6', 'x-forwarded-for': '1.2.3.4, 5.6.7.8', 'x-real-ip': undefined });
  });

  it('keeps HTTP/1.1 alive unless Connection: close, and HTTP/1.0 only with Connection: keep-alive', () => {
    expect(read(`${GET}Host: x\r\nConnection: Close\r\n\r\n`).head.keepAlive).toBe(false);
    expect(read('GET /pk/announce HTTP/1.0\r\n\r\n').head.keepAlive).toBe(false);
    expect(read('GET /pk/announce HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').head.keepAlive).toBe(true);
  });

  it('waits for more bytes while the head may still become one it serves', () => {
    for (const part of ['G', 'GET /pk/announce', `${GET}Host: x`, `${GET}Host: x\r\n`, `${GET}Host: x\r\n\r`]) expect(read(part).n).toBe(INCOMPLETE);
  });

  it('leaves to node:http every request it does not serve or cannot read with certainty', () => {
    const cases = [
      'HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /a HTTP/1.1\r\nHost: x\r\n\r\n',
      'get /a HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /pk/announce#b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /pk/announce HTTP/2.0\r\nHost: x\r\n\r\n',
      'GET /pk/announce HTTP/1.1\nHost: x\n\n',
      'GET /pk/announce HTTP/1.1\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: close\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-A: v\r\n folded\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-A: v\rw\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-A: \u0000\r\n\r\n',
      'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-A: caf\u00e9\r\n\r\n',
      `GET /pk/announce HTTP/1.1\r\nHost: x\r\n${'X-N: v\r\n'.repeat(65)}\r\n`,
    ];
    for (const c of cases) expect([c, read(c).n]).toEqual([c, HAND_OVER]);
  });

  it('leaves a path it does not serve to node:http as soon as the path has ended (a long scrape URL is not read to its end)', () => {
    expect(read('GET /pk/scrape?info_hash=%AA').n).toBe(HAND_OVER);
    expect(read('GET /metrics HTTP/1.1\r\n').n).toBe(HAND_OVER);
    expect(read('GET /pk/announce?info_hash=%AA').n).toBe(INCOMPLETE);
  });

  it('leaves a head or URL over the limits to node:http (its 431 and 414), complete or not', () => {
    expect(read(`GET /pk/announce?${'a'.repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`, 8192, 50).n).toBe(HAND_OVER);
    expect(read(`GET /pk/announce?${'a'.repeat(100)}`, 8192, 50).n).toBe(HAND_OVER);
    expect(read(`${GET}Host: x\r\nX-Big: ${'b'.repeat(200)}\r\n\r\n`, 128).n).toBe(HAND_OVER);
    expect(read(`${GET}Host: x\r\nX-Big: ${'b'.repeat(200)}`, 128).n).toBe(HAND_OVER);
  });
});
