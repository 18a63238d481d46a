import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';

// The two ways a graceful close used to lose or stall requests on keep-alive connections, each
// made certain rather than left to a race: a request written just before the close, and a client
// that never lets its connection go idle.

const REQUEST = 'GET /nobody/announce HTTP/1.1\r\nHost: tracker\r\n\r\n';

/** Reads one HTTP response (a Content-Length body) off `sock`; rejects if the connection ends first. */
function response(sock: Socket): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(buf.slice(0, end));
      if (end === -1 || !length || buf.length < end + 4 + Number(length[1])) return;
      done();
      resolve({ head: buf.slice(0, end), body: buf.slice(end + 4) });
    };
    const onEnd = () => {
      done();
      reject(new Error(`connection ended before a complete reply: ${JSON.stringify(buf)}`));
    };
    const done = () => {
      sock.off('data', onData).off('end', onEnd).off('close', onEnd);
    };
    sock.on('data', onData).on('end', onEnd).on('close', onEnd);
  });
}

async function daemonWithClient() {
  const config = parseConfig({ tracker: { listen: '127.0.0.1:0' }, store: { type: 'memory' }, log: { level: 'silent' } });
  const daemon = await startDaemon({ config, logger: createLogger('silent') });
  const sock = createConnection({ host: '127.0.0.1', port: daemon.trackerAddress.port });
  sock.on('error', () => {});
  await once(sock, 'connect');
  // One exchange first: the connection is then an idle keep-alive one, the kind a close ends at once.
  sock.write(REQUEST);
  expect((await response(sock)).head).toMatch(/connection: keep-alive/i);
  return { daemon, sock };
}

describe('when the daemon closes its tracker port', () => {
  it('answers a request that was written to an idle keep-alive connection just before, with Connection: close', async () => {
    const { daemon, sock } = await daemonWithClient();
    const reply = response(sock);
    // The request is in the server's socket buffer, not yet read, when the close begins.
    await new Promise<void>((resolve) => sock.write(REQUEST, () => resolve()));
    const closed = daemon.close();
    const { head, body } = await reply;
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/connection: close/i);
    expect(body).toBe('d14:failure reason15:unknown passkeye');
    await closed;
    sock.destroy();
  });

  it('finishes while a client keeps its keep-alive connection busy: the reply after the close is the connection’s last', async () => {
    const { daemon, sock } = await daemonWithClient();
    let closing: Promise<void> | undefined;
    const heads: string[] = [];
    // Bounded: a server that kept the connection open would let this client go on until the bound.
    for (let i = 0; i < 1000 && !sock.destroyed && sock.readyState === 'open'; i++) {
      const reply = response(sock);
      sock.write(REQUEST);
      if (i === 5) closing = daemon.close();
      const r = await reply.catch(() => undefined);
      if (!r) break;
      heads.push(r.head);
      if (/connection: close/i.test(r.head)) break;
    }
    await closing;
    expect(heads.length).toBeLessThan(10);
    expect(heads.at(-1)).toMatch(/connection: close/i);
    sock.destroy();
  });
});
