import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { apiApp } from '../api/app.js';
import { errorBody } from '../api/api-error.js';
import type { ApiContext } from '../api/context.js';
import type { Config } from '../config/schema.js';
import { listenTarget } from './listen-address.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import { applyTimeouts, clientErrorHandler, connectRefusal, routerRefusal, serverOptions, type RefusalFormat } from './listener-limits.js';
import type { Logger } from './logger.js';

/** TLS 1.2 suites with forward secrecy and AEAD only; TLS 1.3 suites are all modern already. */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The error code of a request node:http refused before fastify saw it, by status. */
const REFUSAL_CODES: Record<number, string> = { 408: 'request_timeout', 431: 'headers_too_large' };

const JSON_REFUSAL: RefusalFormat = (r) => ({
  contentType: 'application/json; charset=utf-8',
  body: Buffer.from(JSON.stringify(errorBody(REFUSAL_CODES[r.status] ?? (r.status === 405 ? 'method_not_allowed' : 'bad_request'), r.reason))),
});

export interface ApiServer {
  app: FastifyInstance;
  address: AddressInfo;
}

/**
 * The API listener: HTTPS only, TLS 1.2 at least. Without its key and certificate files the API is
 * off (it never serves plain HTTP) and the log says why.
 */
export async function startApiServer(config: Config, ctx: ApiContext, logger: Logger): Promise<ApiServer | undefined> {
  const { tls_key: keyPath, tls_cert: certPath } = config.api;
  const missing = [certPath, keyPath].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    logger.warn({ missing }, `API off: no TLS ${missing.length === 2 ? 'key and certificate' : 'file'} at ${missing.join(', ')} (run mika genkey)`);
    return undefined;
  }
  const app = Fastify({
    // Errors of the routes go to the daemon's log; requests are not logged (they carry credentials).
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Bodies are checked as sent: an unknown field is refused (not stripped) and "12" is no integer.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // A client that never finishes its handshake is cut off (node's default waits 120 s).
    https: { ...serverOptions(config.api), handshakeTimeout: config.api.handshake_timeout * 1000, key: readFileSync(keyPath), cert: readFileSync(certPath), minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true },
    bodyLimit: 16 * 1024 * 1024,
    // Requests node:http cannot parse, too large or too slow get the API's JSON error too.
    clientErrorHandler: clientErrorHandler(JSON_REFUSAL),
    // URLs the router refuses before any route or error handler runs (bad percent-escapes, overlong parameters).
    frameworkErrors: (err, _req, reply) => {
      const r = routerRefusal(err);
      void (reply as FastifyReply).code(r.status).send(errorBody('bad_request', r.reason));
    },
  });
  // fastify sets its own keep-alive and request timeouts on the server it made: ours win.
  applyTimeouts(app.server, config.api);
  app.server.on('connect', connectRefusal(JSON_REFUSAL, 'GET, HEAD, POST, PUT, PATCH, DELETE'));
  capConnectionsPerAddress(app.server, () => ctx.config().api.max_connections_per_ip);
  await app.register(apiApp, ctx);
  await app.listen(listenTarget(config.api.listen, config.tracker));
  const address = app.server.address() as AddressInfo;
  if (config.api.keys.length === 0 && config.api.username === '') logger.warn('API has no credentials configured (api.keys, api.username): only /api/health answers');
  logger.info({ address }, 'API listening (TLS)');
  return { app, address };
}
