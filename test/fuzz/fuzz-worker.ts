import { parentPort } from 'node:worker_threads';
import { runFuzz, type FuzzJob } from './fuzz-client.js';

// The client side of the fuzz suite in a worker thread: the daemon keeps the test's thread (and a
// core) to itself, and the heap measured there is the daemon's, not the clients'.
parentPort!.on('message', (job: FuzzJob) => {
  runFuzz(job).then(
    (result) => parentPort!.postMessage({ result }),
    (err: Error) => parentPort!.postMessage({ error: err.stack ?? String(err) }),
  );
});
