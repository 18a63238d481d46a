import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { apiApp } from '../api/app.js';
import { errorBody } from '../api/api-error.js';
import type { ApiContext } from '../api/context.js';
import type { Config } from '../config/schema.js';
import { readApiTls, type ApiTls } from '../tls/api-tls.js';
import { listenOn } from './listen-address.js';
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
  /** The key and certificate it serves with now. */
  readonly tls: ApiTls;
  /** Serves new connections with `tls` (a renewed certificate), without a restart. */
  setTls(tls: ApiTls): void;
}

/**
 * Why the API stays off, or undefined when it is to start. `api.enabled` "auto" leaves it off only
 * when nothing asks for it: no credentials and no TLS files. An API that is asked for and cannot
 * start stops mika serve (readApiTls names the field and the file) instead of running without it.
 */
export function apiOffReason(api: Config['api']): string | undefined {
  if (api.enabled === false) return 'api.enabled is false';
  if (api.enabled === true || api.keys.length > 0 || api.username !== '') return undefined;
  const missing = [api.tls_cert, api.tls_key].filter((p) => !existsSync(p));
  if (missing.length === 0) return undefined;
  return `no TLS ${missing.length === 2 ? 'key and certificate' : 'file'} at ${missing.join(', ')} (run mika genkey)`;
}

const secureOptions = (tls: ApiTls) => ({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' as const, ciphers: TLS12_CIPHERS, honorCipherOrder: true });

/**
 * The API listener: HTTPS only, TLS 1.2 at least. When apiOffReason says so the API is off (it never
 * serves plain HTTP) and the log says why.
 */
export async function startApiServer(config: Config, ctx: ApiContext, logger: Logger): Promise<ApiServer | undefined> {
  const off = apiOffReason(config.api);
  if (off !== undefined) {
    if (config.api.enabled === false) logger.info(`API off: ${off}`);
    else logger.warn(`API off: ${off}`);
    return undefined;
  }
  let tls = readApiTls(config.api);
  const app = Fastify({
    // Errors of the routes go to the daemon's log; requests are not logged (they carry credentials).
    // Its own "Server listening" lines are not wanted either: the daemon says where it listens, once.
    loggerInstance: logger.child({}, { level: 'warn' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Bodies are checked as sent: an unknown field is refused (not stripped) and "12" is no integer.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // A client that never finishes its handshake is cut off (node's default waits 120 s).
    https: { ...serverOptions(config.api), handshakeTimeout: config.api.handshake_timeout * 1000, ...secureOptions(tls) },
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
  try {
    await listenOn(app, 'api.listen', config.api.listen, config.tracker);
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  if (config.api.keys.length === 0 && config.api.username === '') logger.warn('API has no credentials configured (api.keys, api.username): only /api/health answers');
  return {
    app,
    address,
    get tls() {
      return tls;
    },
    setTls(next) {
      (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext(secureOptions(next));
      tls = next;
    },
  };
}
