import { Type, type Static } from '@sinclair/typebox';

// Every option mika reads, with its default and the rule it must obey. docs/config.md and
// config.json.dist describe the same fields; a field added here is added there too.

const Seconds = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 86_400, default: def, description });

// host:port, [v6]:port or :port (every address of the enabled stacks)
const HOST_PORT = '(\\[[0-9a-fA-F:.]+\\]|[^\\s:\\[\\]]*):\\d{1,5}';

const Listen = (def: string, description: string) => Type.String({ pattern: `^${HOST_PORT}$`, default: def, description });

/**
 * What one HTTP listener (the tracker's, the API's) allows a client before it gives up on it: bad
 * or slow clients (a slowloris holding sockets open with half-sent headers) cost a bounded amount.
 */
const listenerLimits = (port: string, defaults: { request: number; keepAlive: number }) => ({
  max_header_size: Type.Integer({
    minimum: 1024,
    maximum: 1_048_576,
    default: 16_384,
    description: `Most bytes of request line and headers together on the ${port} port; more gets HTTP 431 and the connection closed. Restart to change`,
  }),
  headers_timeout: Seconds(10, `Seconds a client of the ${port} port may take to send its request line and headers; slower gets HTTP 408 and the connection closed`),
  request_timeout: Seconds(defaults.request, `Seconds a client of the ${port} port may take to send a whole request, body included; slower gets HTTP 408 and the connection closed`),
  keep_alive_timeout: Seconds(defaults.keepAlive, `Seconds an idle keep-alive connection to the ${port} port stays open`),
});

export const TrackerSchema = Type.Object(
  {
    listen: Listen(':34000', 'Tracker address, host:port; ":port" listens on every address of the enabled stacks'),
    ipv4: Type.Boolean({ default: true, description: 'Accept IPv4 clients and hand out IPv4 peers' }),
    ipv6: Type.Boolean({ default: true, description: 'Accept IPv6 clients and hand out IPv6 peers' }),
    interval: Seconds(300, 'Seconds clients are told to wait between announces'),
    min_interval: Seconds(10, 'Seconds a client must wait at least; an earlier announce is accounted but gets no peers'),
    enforce_min_interval: Type.Boolean({ default: true, description: 'Withhold peers from announces that come before min_interval' }),
    reap_interval: Seconds(400, 'Seconds a peer may stay silent before it is dropped from its swarm'),
    reap_sweep: Seconds(30, 'Seconds between two sweeps for silent peers'),
    numwant_default: Type.Integer({ minimum: 0, maximum: 1000, default: 30, description: 'Peers handed out when the client does not say numwant' }),
    numwant_max: Type.Integer({ minimum: 0, maximum: 1000, default: 50, description: 'Most peers handed out whatever the client asks' }),
    scrape_max_hashes: Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Most info_hash values one scrape may ask for; more gets a failure reply' }),
    max_url_length: Type.Integer({
      minimum: 256,
      maximum: 1_048_576,
      default: 8192,
      description: 'Longest request target (path and query, in bytes) the tracker reads; longer gets HTTP 414 with a bencoded failure. Must be below max_header_size, which counts the request line too',
    }),
    // Clients announce minutes apart, so an idle connection is seldom reused: keep it briefly (node's default).
    ...listenerLimits('tracker', { request: 30, keepAlive: 5 }),
    whitelist_enabled: Type.Boolean({ default: true, description: 'Only clients whose peer_id starts with a whitelisted prefix may announce' }),
    require_client_user_agent: Type.Boolean({
      default: false,
      description: 'Refuse announces without a User-Agent or from a browser (Mozilla/…, Chrome/…): failure reason "client refused: …"',
    }),
    max_peers_per_user_torrent: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 3,
      description: 'Most peers (peer_ids) one user may have in one swarm; a further peer_id gets a failure reason and is not listed. 0 = no limit',
    }),
    max_peers_per_ip_torrent: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: 0,
      description: 'Most peers one IP address may have in one swarm, over every user (a peer counts under its IPv4 address, else its IPv6 one); a further peer gets a failure reason and is not listed. 0 = no limit',
    }),
    allow_client_ip: Type.Boolean({ default: false, description: 'Believe the ip/ipv4/ipv6 query parameters (BEP 7); they are spoofable' }),
    trusted_proxies: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For / X-Real-IP is believed',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** When a torrent needs seeding before hit-and-run (accounting/hnr.ts; docs/protocol.md, "Hit-and-run"). */
export const HnrSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Evaluate hit-and-run: off, every ledger reads "none" and hnr_count is 0' }),
    min_download: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^(100|[1-9]?[0-9])(\\.[0-9]+)?%$' })], {
      default: '10%',
      description: 'Download (real bytes) from which a torrent must be seeded: bytes, or a percentage of the torrent\'s size ("10%"); a torrent of unknown size counts from its snatch',
    }),
    seed_time: Type.Union(
      [
        Type.Integer({ minimum: 0, maximum: 31_536_000 }),
        Type.Array(
          Type.Object(
            {
              min_size: Type.Integer({ minimum: 0, description: 'Bytes: the tier applies to torrents of this size or more' }),
              seed_time: Type.Integer({ minimum: 0, maximum: 31_536_000, description: 'Seconds of seeding the tier asks' }),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
      ],
      {
        default: 259_200,
        description: 'Seconds of seeding that satisfy the rule: one figure, or tiers by size [{"min_size": bytes, "seed_time": s}, …] (the tier with the largest min_size not above the size applies; below every tier, the smallest)',
      },
    ),
    ratio: Type.Number({ minimum: 0, maximum: 1000, default: 1, description: 'Credited upload ÷ real download on the torrent that satisfies the rule without the seed time; 0 = no ratio escape' }),
    grace: Type.Integer({
      minimum: 0,
      maximum: 31_536_000,
      default: 1_209_600,
      description: 'Seconds after the user\'s last announce on the torrent (the completion, or the last seeding) before an unsatisfied download becomes a hit-and-run',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** A timed site-wide event (accounting/credit-rule.ts). */
export const CreditEventSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('freeleech'), Type.Literal('double_upload')], { description: '"freeleech": no download credited; "double_upload": upload multiplier at least 2' }),
    start: Type.Integer({ minimum: 0, description: 'Unix seconds the event starts' }),
    end: Type.Integer({ minimum: 0, description: 'Unix seconds it ends (not included)' }),
    name: Type.String({ default: '', description: 'Shown in the API' }),
  },
  { additionalProperties: false },
);

export const AccountingSchema = Type.Object(
  {
    freeleech: Type.Boolean({ default: false, description: 'Site-wide freeleech: no download is credited on any torrent' }),
    bonus_rate: Type.Number({ minimum: 0, maximum: 1_000_000, default: 1, description: 'Factor applied to the bonus points formula' }),
    max_upload_rate: Type.Integer({
      minimum: 0,
      default: 1_073_741_824,
      description: 'Upload budget: bytes per second of real time one user may be credited for on one torrent, all its peer_ids together; more is clamped and raises an upload_rate cheat event. 0 turns the budget off',
    }),
    credit_without_leechers: Type.Boolean({
      default: false,
      description: 'Credit a seeder\'s upload over an interval in which its swarm had no leecher at all (a no_leechers cheat event either way)',
    }),
    hnr: HnrSchema,
    events: Type.Array(CreditEventSchema, {
      default: [],
      description: 'Timed site-wide events: "freeleech" (no download credited) or "double_upload" (upload multiplier at least 2) from start to end; a reload (or POST /api/events) changes them without a restart',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ApiSchema = Type.Object(
  {
    enabled: Type.Union([Type.Literal('auto'), Type.Literal(true), Type.Literal(false)], {
      default: 'auto',
      description:
        'true: the API must start (a missing or unusable tls_key or tls_cert stops mika serve); false: no API; "auto": on when credentials (keys or username) are set or the TLS files exist, and then it must start',
    }),
    listen: Listen(
      '127.0.0.1:34001',
      'REST API address (TLS only). Loopback by default: set a public address (":34001" for every address) only with a firewall or a reverse proxy in front (docs/operations.md, Security)',
    ),
    tls_key: Type.String({ minLength: 1, default: 'mika-api.key', description: 'PEM private key of the API listener; `mika genkey` writes it (mode 0600). The file is read again on every reload; a new path takes a restart' }),
    tls_cert: Type.String({ minLength: 1, default: 'mika-api.crt', description: 'PEM certificate of the API listener; `mika genkey` writes it. The file is read again on every reload; a new path takes a restart' }),
    keys: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'API keys accepted as "Authorization: Bearer <key>"; several allow rotation',
    }),
    username: Type.String({ default: '', description: 'HTTP basic auth user (the seed\'s client); empty turns basic auth off' }),
    password: Type.String({ default: '', description: 'HTTP basic auth password: at least 16 characters when username is set, or the config is refused' }),
    handshake_timeout: Type.Integer({
      minimum: 1,
      maximum: 60,
      default: 10,
      description: 'Seconds a client of the API port may take to finish its TLS handshake; slower is disconnected (no reply: there is no TLS to send one over). Restart to change',
    }),
    max_connections_per_ip: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 64,
      description: 'Most connections one client address may hold open to the API port at once; more are closed as they arrive',
    }),
    // Bulk imports send up to 16 MiB in one body.
    ...listenerLimits('API', { request: 120, keepAlive: 75 }),
  },
  { additionalProperties: false, default: {} },
);

export const RedisSchema = Type.Object(
  {
    url: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379', description: 'redis:// or rediss:// URL' }),
    password: Type.String({ default: '', description: 'Password (AUTH); empty for none. Overrides one in the URL' }),
    db: Type.Integer({ minimum: 0, maximum: 15, default: 0, description: 'Database number' }),
    key_prefix: Type.String({ pattern: '^[A-Za-z0-9_.:-]{0,32}$', default: 'mika:', description: 'Prefix of every key mika writes' }),
    mode: Type.Union([Type.Literal('standalone'), Type.Literal('sentinel'), Type.Literal('cluster')], {
      default: 'standalone',
      description: '"standalone": the server at url; "sentinel": the master the sentinels name; "cluster": a Redis Cluster reached through its seed nodes',
    }),
    nodes: Type.Array(Type.String({ pattern: `^${HOST_PORT}$` }), {
      default: [],
      description: 'mode "cluster": seed nodes as "host:port" (one reachable node is enough, each is tried); url is then unused',
    }),
    sentinels: Type.Array(Type.String({ pattern: `^${HOST_PORT}$` }), {
      default: [],
      description: 'mode "sentinel": the sentinels as "host:port"; url gives only the scheme (rediss:// for TLS)',
    }),
    sentinel_name: Type.String({ minLength: 1, default: 'mymaster', description: 'mode "sentinel": the master\'s name in the sentinels\' config' }),
    sentinel_password: Type.String({ default: '', description: 'mode "sentinel": password of the sentinels themselves; empty for none' }),
  },
  { additionalProperties: false, default: {} },
);

export const StoreSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('embedded'), Type.Literal('memory'), Type.Literal('redis')], {
      default: 'embedded',
      description:
        '"embedded" (default) keeps everything in a database file under store.path, each announce on disk before its reply, one process; "memory" keeps nothing across restarts (tests, trials); "redis" keeps it in Redis, for several processes or hosts',
    }),
    path: Type.String({
      minLength: 1,
      default: './data',
      description: 'Data folder of the embedded store (relative to the working directory): its database file mika.mdb and the lock of the serving process. Restart to change',
    }),
    auto_warmup: Type.Boolean({
      default: false,
      description:
        'When the registry is empty at start or empties (e.g. Redis restarted without its data), reload it from the site database (sql.*) by itself, as `mika warmup` does; needs the API on. Off: a warn line asks for `mika warmup`',
    }),
    redis: RedisSchema,
  },
  { additionalProperties: false, default: {} },
);

const Ident = (def: string, description: string) =>
  Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_$]{0,63}$', default: def, description });

export const SqlSchema = Type.Object(
  {
    url: Type.String({ default: '', description: 'mysql://user:password@host:port/database; when set it wins over host, port, user, password and database' }),
    host: Type.String({ default: '127.0.0.1', description: 'MySQL/MariaDB host of the site database' }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 3306, description: 'Its port' }),
    socket: Type.String({ default: '', description: 'Unix socket path; when set it is used instead of host and port' }),
    user: Type.String({ default: 'mika', description: 'Database user' }),
    password: Type.String({ default: '', description: 'Database password' }),
    database: Type.String({ default: 'site', description: 'Database (schema) name' }),
    queries: Type.Object(
      {
        users: Type.Object(
          {
            table: Ident('users', 'Table of the site\'s users (mika warmup)'),
            id: Ident('id', 'User id column'),
            passkey: Ident('passkey', 'Passkey column'),
            name: Ident('username', 'User name column'),
            can_leech: Ident('can_leech', 'Read when the column exists: 0 = may not leech'),
            enabled: Ident('enabled', 'Read when the column exists: 0 = disabled'),
            leech_slots: Ident('leech_slots', 'Read when the column exists: most peers leeching at once over every torrent, 0 or NULL = no limit'),
            hnr_immune: Ident('hnr_immune', 'Read when the column exists: 1 = never a hit-and-run (accounting.hnr)'),
          },
          { additionalProperties: false, default: {} },
        ),
        torrents: Type.Object(
          {
            table: Ident('torrents', 'Table of the site\'s torrents (mika warmup)'),
            id: Ident('id', 'Torrent id column'),
            info_hash: Ident('info_hash', 'info_hash column: 20 bytes binary or 40 hex characters'),
            name: Ident('release_name', 'Torrent name column'),
            multi_up: Ident('multi_up', 'Read when the column exists: upload multiplier'),
            multi_dn: Ident('multi_dn', 'Read when the column exists: download multiplier'),
            freeleech: Ident('freeleech', 'Read when the column exists (and multi_dn does not): 1 = download multiplier 0'),
            size: Ident('size', 'Read when the column exists: the torrent\'s bytes, what the hit-and-run rule measures against (NULL or 0 = unknown)'),
          },
          { additionalProperties: false, default: {} },
        ),
        whitelist: Type.Object(
          {
            table: Ident('xbt_client_whitelist', 'Table of the client whitelist (mika warmup)'),
            prefix: Ident('peer_id', 'peer_id prefix column'),
            client: Ident('vstring', 'Client name column'),
          },
          { additionalProperties: false, default: {} },
        ),
        blacklist: Type.Object(
          {
            table: Type.String({
              pattern: '^([A-Za-z_][A-Za-z0-9_$]{0,63})?$',
              default: '',
              description: 'Table of refused peer_id patterns (mika warmup loads it after the whitelist); empty = none',
            }),
            pattern: Ident('pattern', 'peer_id pattern column: leading bytes, "?" any one byte'),
            reason: Ident('reason', 'Reason column, shown to the refused client'),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    flush: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Write per-user and per-torrent stats back to the site database' }),
        interval: Seconds(3, 'Seconds between two flushes'),
        users: Type.Object(
          {
            table: Ident('mika_user_stats', 'Table the per-user deltas are added to (INSERT ... ON DUPLICATE KEY UPDATE)'),
            id: Ident('user_id', 'Its key column'),
            uploaded: Ident('uploaded', 'Credited upload, bytes'),
            downloaded: Ident('downloaded', 'Credited download, bytes'),
            uploaded_raw: Ident('uploaded_raw', 'Reported upload, bytes'),
            downloaded_raw: Ident('downloaded_raw', 'Reported download, bytes'),
            bonus: Ident('bonus', 'Bonus points'),
            snatches: Ident('snatches', 'Snatches'),
          },
          { additionalProperties: false, default: {} },
        ),
        torrents: Type.Object(
          {
            table: Ident('mika_torrent_stats', 'Table the per-torrent figures are written to'),
            id: Ident('torrent_id', 'Its key column'),
            seeders: Ident('seeders', 'Seeders now (set, not added)'),
            leechers: Ident('leechers', 'Leechers now (set, not added)'),
            snatches: Ident('snatches', 'Snatches (added)'),
          },
          { additionalProperties: false, default: {} },
        ),
        cheats: Type.Object(
          {
            table: Type.String({
              pattern: '^([A-Za-z_][A-Za-z0-9_$]{0,63})?$',
              default: '',
              description: 'Table cheat events are inserted into, one row each (columns: docs/operations.md); empty = not written',
            }),
          },
          { additionalProperties: false, default: {} },
        ),
        log_table: Ident('mika_flush_log', 'Table of applied flush ids: a retried flush is not added twice'),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Least severe level written to the log' },
    ),
    format: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], {
      default: 'auto',
      description: '"pretty": coloured lines for people; "json": one JSON object a line (level names, ISO-8601 times); "auto": pretty on a terminal, JSON otherwise',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const GeoSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Hand out the nearest peers first (great-circle distance), by a MaxMind-format City database' }),
    database: Type.String({ default: '', description: 'Path of the .mmdb (GeoLite2/GeoIP2 City, DB-IP City, or ip-location-db city); missing or unreadable: a warning and plain order' }),
    database_ipv6: Type.String({ default: '', description: 'A second .mmdb for IPv6 addresses, for databases shipped as one IPv4 and one IPv6 file; empty for none' }),
    sample: Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Peers drawn from the swarm (in rotation order) to pick the nearest from; bounds the cost whatever the swarm size' }),
  },
  { additionalProperties: false, default: {} },
);

export const MetricsSchema = Type.Object(
  {
    listen: Type.String({
      pattern: `^(${HOST_PORT})?$`,
      default: '',
      description: 'Plain-HTTP address serving GET /metrics without credentials, for scrapers that cannot do TLS; "" turns it off. Bind a private address',
    }),
    graphite: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Push every metric to Graphite (plaintext protocol over TCP)' }),
        host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Graphite (carbon) host' }),
        port: Type.Integer({ minimum: 1, maximum: 65_535, default: 2003, description: 'Its plaintext port' }),
        prefix: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', default: 'mika', description: 'First component of every metric path' }),
        interval: Seconds(10, 'Seconds between two pushes'),
      },
      { additionalProperties: false, default: {} },
    ),
    influx: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Push every metric to InfluxDB (line protocol over HTTP)' }),
        url: Type.String({
          pattern: '^https?://',
          default: 'http://127.0.0.1:8086/write?db=mika',
          description: 'Write URL: v1 /write?db=…, or v2 /api/v2/write?org=…&bucket=… (timestamps are nanoseconds)',
        }),
        token: Type.String({ default: '', description: 'Sent as "Authorization: Token <token>" (v2, or v1 "user:password"); empty for none' }),
        interval: Seconds(10, 'Seconds between two pushes'),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    tracker: TrackerSchema,
    accounting: AccountingSchema,
    api: ApiSchema,
    store: StoreSchema,
    sql: SqlSchema,
    log: LogSchema,
    metrics: MetricsSchema,
    geo: GeoSchema,
    procs: Type.Integer({ minimum: 1, maximum: 256, default: 1, description: 'Worker processes sharing the ports (redis store only: the embedded store has one writer, the memory store one process)' }),
    pidfile: Type.String({
      default: 'mika.pid',
      description: '`mika serve` creates this file with its pid (for `mika reload --signal`); a symlink there, or the pidfile of a mika serve still running, stops the start; empty for none',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type TrackerConfig = Static<typeof TrackerSchema>;
export type AccountingConfig = Static<typeof AccountingSchema>;
export type HnrConfig = Static<typeof HnrSchema>;
export type CreditEvent = Static<typeof CreditEventSchema>;
export type StoreConfig = Static<typeof StoreSchema>;
export type SqlConfig = Static<typeof SqlSchema>;
export type MetricsConfig = Static<typeof MetricsSchema>;
export type GeoConfig = Static<typeof GeoSchema>;
