import { createInterface } from 'node:readline';
import { Server } from 'bittorrent-tracker';

// The npm bittorrent-tracker's server (webtorrent's), HTTP only, for the comparison in `npm run
// bench`: a public tracker, swarms in memory, no users. Prints `{"port":N}` once listening and answers
// a `counters` line on stdin as bench/mika-server.ts does: its announces and failure replies (its
// `warning` events), which are HTTP 200 and invisible to wrk.

const server = new Server({ http: true, udp: false, ws: false, stats: false, trustProxy: false });
const counters = { announces: 0, failures: {} as Record<string, number> };
for (const event of ['start', 'update', 'complete', 'stop', 'pause']) server.on(event, () => counters.announces++);
server.on('warning', (err: Error) => {
  counters.failures[err.message] = (counters.failures[err.message] ?? 0) + 1;
});
server.on('error', (err: Error) => {
  process.stderr.write(`bittorrent-tracker: ${err.message}\n`);
  process.exit(1);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.http!.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'counters') process.stdout.write(`${JSON.stringify({ counters })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
