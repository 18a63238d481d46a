import type { ChainableCommander } from 'ioredis';

/** Runs a pipeline and returns its replies in order; the first failed command rejects the whole. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error('pipeline discarded');
  const out = new Array<unknown>(replies.length);
  for (let i = 0; i < replies.length; i++) {
    const [err, value] = replies[i]!;
    if (err) throw err;
    out[i] = value;
  }
  return out;
}
