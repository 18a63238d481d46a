import { createServer } from 'node:http';

// The baseline: node:http with nothing on top, answering every request with the same 100 bytes
// (about the size of an announce reply with a few peers). Prints `{"port":N}` once listening.
// BARE_BUSY_US=N spins N µs per request first: a calibration of what any per-request work costs
// against this baseline (docs/performance.md), e.g. `BARE_BUSY_US=20 BENCH_TARGETS=bare npm run bench`.

const BODY = Buffer.alloc(100, 'x');
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) };
const BUSY_NS = BigInt(Math.round(Number(process.env.BARE_BUSY_US ?? 0) * 1000));

const server = createServer((_req, res) => {
  if (BUSY_NS > 0n) {
    const until = process.hrtime.bigint() + BUSY_NS;
    while (process.hrtime.bigint() < until);
  }
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
server.keepAliveTimeout = 75_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
