import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { API_KEY, startApiDaemon, type ApiDaemon } from '../helpers/api-daemon.js';
import { rawRequest, type RawReply } from '../helpers/raw-http.js';

const failure = (r: RawReply): string => {
  const d = bencode.decode(r.body) as Record<string, Uint8Array>;
  return Buffer.from(d['failure reason']!).toString('utf8');
};
const apiError = (r: RawReply): { code: string; message: string } => JSON.parse(r.body.toString('utf8')).error;

describe('the limits of the tracker and API listeners', () => {
  let d: ApiDaemon;
  let dir: string;
  let tracker: { port: number };
  let api: { port: number; ca: Buffer };

  beforeAll(async () => {
    const limits = { max_header_size: 4096, headers_timeout: 1, request_timeout: 2 };
    dir = mkdtempSync(join(tmpdir(), 'mika-limits-'));
    d = await startApiDaemon(dir, { config: { tracker: { ...limits, max_url_length: 1024 }, api: limits } });
    tracker = { port: d.daemon.trackerAddress.port };
    api = { port: d.daemon.apiAddress!.port, ca: d.ca };
  });
  afterAll(async () => {
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('on the tracker port', () => {
    it('a URL longer than max_url_length gets HTTP 414 with a bencoded failure', async () => {
      const r = await rawRequest(tracker, `GET /pk/announce?${'a'.repeat(1100)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(r.status).toBe(414);
      expect(failure(r)).toBe('request URL too long: at most 1024 bytes');
    });

    it('headers over max_header_size get HTTP 431 with a bencoded failure, and the connection closed', async () => {
      const r = await rawRequest(tracker, `GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(5000)}\r\n\r\n`);
      expect(r.status).toBe(431);
      expect(failure(r)).toBe('request line and headers too large');
      expect(r.headers.connection).toBe('close');
    });

    it('a request line that is not HTTP gets HTTP 400 with a bencoded failure', async () => {
      const r = await rawRequest(tracker, 'GET /pk/announce?x=1 NOTHTTP\r\n\r\n');
      expect(r.status).toBe(400);
      expect(failure(r)).toBe('bad request: not valid HTTP/1.1');
    });

    it('a client that never finishes its headers gets HTTP 408 and is disconnected after headers_timeout', async () => {
      const r = await rawRequest(tracker, 'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitMs: 15_000 });
      expect(r.status).toBe(408);
      expect(failure(r)).toBe('request timeout: the request was not sent in time');
    });

    it('a path segment longer than the router allows gets HTTP 414 with a bencoded failure (was fastify\'s JSON)', async () => {
      const r = await rawRequest(tracker, `GET /${'x'.repeat(200)}/scrape?info_hash=x HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(r.status).toBe(414);
      expect(failure(r)).toBe('request URL has a path segment too long');
    });

    it('a path with a bad percent-escape gets HTTP 400 with a bencoded failure (was fastify\'s JSON)', async () => {
      const r = await rawRequest(tracker, 'GET /%G0/scrape?info_hash=x HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(r.status).toBe(400);
      expect(failure(r)).toBe('request URL path cannot be decoded (bad percent-escape or not UTF-8)');
    });

    it('a POST to an announce URL gets HTTP 405 with a bencoded failure; a POST to a scrape URL is told HEAD is allowed there', async () => {
      const scrape = await rawRequest(tracker, 'POST /pk/scrape HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab');
      expect(scrape.status).toBe(405);
      expect(scrape.headers.allow).toBe('GET, HEAD');
      const r = await rawRequest(tracker, 'POST /pk/announce HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab');
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET');
      expect(failure(r)).toBe('method POST not allowed: announce and scrape are GET');
    });

    it('a GET with a body is answered as a GET, and the connection stays usable', async () => {
      const r = await rawRequest(tracker, 'GET /pk/announce HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
      expect(r.status).toBe(200);
      expect(failure(r)).toBe('unknown passkey');
    });
  });

  describe('on the API port', () => {
    it('headers over api.max_header_size get HTTP 431 with a JSON error', async () => {
      const r = await rawRequest(api, `GET /api/version HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(5000)}\r\n\r\n`);
      expect(r.status).toBe(431);
      expect(apiError(r)).toEqual({ code: 'headers_too_large', message: 'request line and headers too large' });
    });

    it('a client that never finishes its headers gets HTTP 408 with a JSON error', async () => {
      const r = await rawRequest(api, 'GET /api/version HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitMs: 15_000 });
      expect(r.status).toBe(408);
      expect(apiError(r).code).toBe('request_timeout');
    });

    it('a path with a bad percent-escape or invalid UTF-8 gets HTTP 400 with a JSON error (was fastify\'s own error shape)', async () => {
      for (const path of ['/api/user/%G0', '/api/whitelist/%E4', '/api/user/1%F4%90%80%80']) {
        const r = await rawRequest(api, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`);
        expect(r.status).toBe(400);
        expect(apiError(r)).toEqual({ code: 'bad_request', message: 'request URL path cannot be decoded (bad percent-escape or not UTF-8)' });
      }
    });

    it('a path parameter longer than the router allows gets HTTP 414 with a JSON error', async () => {
      const r = await rawRequest(api, `GET /api/torrent/${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`);
      expect(r.status).toBe(414);
      expect(apiError(r).code).toBe('bad_request');
    });

    it('a body promised and never sent gets HTTP 408 with a JSON error after request_timeout', async () => {
      const half = `POST /api/torrent HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"torrent_id":`;
      const r = await rawRequest(api, half, { waitMs: 15_000 });
      expect(r.status).toBe(408);
      expect(apiError(r).code).toBe('request_timeout');
    });

    it('a request line that is not HTTP gets HTTP 400 with a JSON error', async () => {
      const r = await rawRequest(api, `GET\x01 / HTTP/1.1\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`);
      expect(r.status).toBe(400);
      expect(apiError(r).code).toBe('bad_request');
    });
  });
});

describe('a reload of the listener limits', () => {
  it('applies the URL limit and the timeouts at once; the header size waits for a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mika-limits-reload-'));
    const d = await startApiDaemon(dir);
    try {
      const tracker = { port: d.daemon.trackerAddress.port };
      const url = `GET /pk/announce?${'a'.repeat(600)} HTTP/1.1\r\nHost: x\r\n\r\n`;
      expect((await rawRequest(tracker, url)).status).toBe(200);

      const changes = d.daemon.reload(
        parseConfig({ tracker: { listen: '127.0.0.1:0', max_url_length: 512, max_header_size: 8192, headers_timeout: 1, request_timeout: 2 }, log: { level: 'silent' } }),
      );
      expect(changes.needsRestart).toContain('tracker.max_header_size');
      expect(changes.needsRestart).not.toContain('tracker.headers_timeout');
      expect(changes.needsRestart).not.toContain('tracker.max_url_length');

      expect((await rawRequest(tracker, url)).status).toBe(414);
      // Before the reload a half request was given 10 s; now it is cut off after about 1.
      const slow = await rawRequest(tracker, 'GET /pk/announce HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitMs: 8000 });
      expect(slow.status).toBe(408);
    } finally {
      await d.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the listener limits in the config', () => {
  it('refuse a max_url_length the header size limit would cut first', () => {
    expect(() => parseConfig({ tracker: { max_url_length: 20_000 } })).toThrow(/tracker.max_url_length: must be below tracker.max_header_size \(16384\)/);
  });

  it('refuse a headers timeout longer than the request timeout', () => {
    expect(() => parseConfig({ api: { headers_timeout: 40, request_timeout: 30 } })).toThrow(/api.headers_timeout: must not exceed api.request_timeout \(30\)/);
  });
});
