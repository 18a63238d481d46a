// cluster-key-slot (npm, no types of its own): the slot function ioredis's Cluster routes by.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0–16383) of a key: CRC16 of its `{tag}` when it has one, mod 16384. */
  function generate(key: string | Buffer): number;
  export default generate;
}
