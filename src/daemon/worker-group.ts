import cluster, { type Worker } from 'node:cluster';

// With `-procs N` each worker keeps its own counters and metrics, and a request to the API reaches
// one worker. The figures of the whole group come from asking every worker over the cluster's IPC
// channel, through the primary: the worker that answers the API asks the primary, the primary asks
// every worker (the asking one too) and hands back their answers. Nothing is cached: the figures
// are those of the moment of the request.

/** How long the primary waits for the workers' answers; a worker that is slower is left out. */
const COLLECT_MS = 1000;

type GroupMessage =
  | { mika: 'ask'; id: number; kind: string }
  | { mika: 'collect'; id: number; kind: string }
  | { mika: 'answer'; id: number; value: unknown }
  | { mika: 'group'; id: number; values: unknown[] };

const isGroupMessage = (m: unknown): m is GroupMessage => typeof m === 'object' && m !== null && typeof (m as { mika?: unknown }).mika === 'string';

/** What one worker answers for `kind`, and how to ask every worker of the group. */
export interface WorkerGroup {
  /** Every worker's answer for `kind` (this worker's included); only this one's outside a group. */
  collect<T>(kind: string): Promise<T[]>;
}

/**
 * The group of this process: in a `-procs` worker, the workers its primary keeps; otherwise this
 * process alone. `answers` are what this worker says when asked, by kind.
 */
export function workerGroup(answers: Record<string, () => unknown>): WorkerGroup {
  const own = async <T>(kind: string): Promise<T[]> => [(await answers[kind]!()) as T];
  if (!cluster.isWorker || !process.send) return { collect: own };
  let next = 0;
  const waiting = new Map<number, (values: unknown[]) => void>();
  process.on('message', (m: unknown) => {
    if (!isGroupMessage(m)) return;
    if (m.mika === 'collect') {
      const answer = answers[m.kind];
      if (!answer) return;
      void Promise.resolve()
        .then(answer)
        .then(
          (value) => process.send?.({ mika: 'answer', id: m.id, value }),
          () => undefined,
        );
    } else if (m.mika === 'group') {
      waiting.get(m.id)?.(m.values);
      waiting.delete(m.id);
    }
  });
  return {
    collect<T>(kind: string): Promise<T[]> {
      const id = ++next;
      return new Promise<T[]>((resolve) => {
        // A primary that does not answer (it is stopping) leaves this worker's own figures.
        const timer = setTimeout(() => {
          waiting.delete(id);
          void own<T>(kind).then(resolve);
        }, COLLECT_MS * 2);
        waiting.set(id, (values) => {
          clearTimeout(timer);
          resolve(values as T[]);
        });
        process.send!({ mika: 'ask', id, kind });
      });
    },
  };
}

/** In the primary: relays the workers' questions to every worker and their answers back. */
export function relayGroupQuestions(): void {
  let next = 0;
  const pending = new Map<number, { values: unknown[]; expected: number; done: () => void }>();
  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isGroupMessage(m)) return;
    if (m.mika === 'answer') {
      const p = pending.get(m.id);
      if (!p) return;
      p.values.push(m.value);
      if (p.values.length === p.expected) p.done();
      return;
    }
    if (m.mika !== 'ask') return;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const id = ++next;
    const entry = { values: [] as unknown[], expected: workers.length, done: () => {} };
    const timer = setTimeout(() => entry.done(), COLLECT_MS);
    entry.done = () => {
      clearTimeout(timer);
      pending.delete(id);
      if (worker.isConnected()) worker.send({ mika: 'group', id: m.id, values: entry.values });
    };
    pending.set(id, entry);
    for (const w of workers) w.send({ mika: 'collect', id, kind: m.kind });
  });
}
