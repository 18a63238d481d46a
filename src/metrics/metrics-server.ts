import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOn } from '../daemon/listen-address.js';
import { connectRefusal, serverOptions, type ListenerLimits, type RefusalFormat } from '../daemon/listener-limits.js';
import type { Logger } from '../daemon/logger.js';
import type { Metrics } from './metrics.js';

/**
 * A scraper sends one small GET every few seconds: node's defaults (60 s for the headers, 300 s for
 * the request) would let a silent connection hold a file descriptor, shared with the tracker, for minutes.
 */
const METRICS_LIMITS: ListenerLimits = { max_header_size: 16_384, headers_timeout: 10, request_timeout: 30, keep_alive_timeout: 75 };

const PLAIN_TEXT: RefusalFormat = (r) => ({ contentType: 'text/plain', body: Buffer.from(`${r.reason}\n`) });

export interface MetricsServer {
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * The plain-HTTP metrics listener (config `metrics.listen`) for scrapers that cannot do TLS:
 * `GET /metrics` without credentials, nothing else. Bind it to a private address.
 */
export async function startMetricsServer(listen: string, stacks: { ipv4: boolean; ipv6: boolean }, metrics: Metrics, logger: Logger): Promise<MetricsServer> {
  const server: Server = createServer(serverOptions(METRICS_LIMITS), (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?', 1)[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: this listener answers GET /metrics only\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: Error) => {
        logger.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  server.on('connect', connectRefusal(PLAIN_TEXT, 'GET'));
  const bind = (target: { host: string; port: number; ipv6Only: boolean }) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(target, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listenOn({ listen: bind }, 'metrics.listen', listen, stacks);
  const address = server.address() as AddressInfo;
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
