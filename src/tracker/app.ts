import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { trackerRequest } from './announce-route.js';
import type { Tracker } from './tracker.js';

const CONTENT_TYPE = 'text/plain';

/** An announce or scrape path of either layout (the passkey not checked). */
const TRACKER_PATH = /^\/(?:[^/]+\/(?:announce|scrape)|(?:announce|scrape)\/[^/]+)$/;
const ANNOUNCE_PATH = /^\/(?:[^/]+\/announce|announce\/[^/]+)$/;

/**
 * The tracker's routes as a fastify plugin: scrape on both URL layouts (the seed's /<passkey>/scrape
 * and UNIT3D's /scrape/<passkey>), and failures for everything else. Announces never get here: the
 * fast path in front of fastify answers them (announce-route.ts). Query parsing is the tracker's
 * own (binary-safe), from the raw URL.
 */
export async function trackerApp(app: FastifyInstance, opts: { tracker: Tracker }): Promise<void> {
  const { tracker } = opts;
  const scrape = async (req: FastifyRequest<{ Params: { passkey: string } }>, reply: FastifyReply) => {
    const body = await tracker.scrape(req.params.passkey, trackerRequest(req.raw));
    return reply.header('content-type', CONTENT_TYPE).send(body);
  };
  app.get('/:passkey/scrape', scrape);
  app.get('/scrape/:passkey', scrape);

  app.setNotFoundHandler(async (req, reply) => {
    const path = (req.raw.url ?? '').split('?', 1)[0]!;
    // A HEAD of an announce is refused like any other method: answering it as a GET would apply the
    // announce (a scrape's HEAD is answered, as a GET without body: it changes nothing).
    const announce = ANNOUNCE_PATH.test(path);
    if (req.method !== 'GET' && (announce || (req.method !== 'HEAD' && TRACKER_PATH.test(path)))) {
      return reply
        .code(405)
        .header('allow', announce ? 'GET' : 'GET, HEAD')
        .header('content-type', CONTENT_TYPE)
        .send(tracker.refuse(`method ${req.method.slice(0, 16)} not allowed: announce and scrape are GET`));
    }
    // A client whose .torrent lacks the passkey should show its user why, so this one is a 200.
    if (/^\/(announce|scrape)\/?$/.test(path)) return reply.header('content-type', CONTENT_TYPE).send(tracker.refuse('missing passkey in the announce URL'));
    return reply.code(404).header('content-type', CONTENT_TYPE).send(tracker.refuse(`not found: ${req.method} ${path.slice(0, 64)}`));
  });
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).header('content-type', CONTENT_TYPE).send(tracker.refuse(status === 500 ? 'internal tracker error' : err.message));
  });
}
