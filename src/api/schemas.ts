import { Type, type Static, type TSchema } from '@sinclair/typebox';

// The API's request and reply shapes. The same schemas validate requests (fastify/ajv), describe
// /api/openapi.json (@fastify/swagger) and type the client (client.ts). Field names are the seed's
// (torrent_id, info_hash, multi_up, multi_dn, user_id, passkey, can_leech), in snake_case.

const strict = { additionalProperties: false } as const;

export const InfoHash = Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'info_hash as 40 hex characters (any case)' });
export const Passkey = Type.String({
  minLength: 32,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_.~-]+$',
  description: 'The secret of the announce URL: 32 to 128 URL-safe characters, unique per user',
});
const Multiplier = (description: string) => Type.Number({ minimum: 0, maximum: 1000, description });
const Id = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Name = Type.String({ maxLength: 1024 });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Bytes of the torrent\'s content (the hit-and-run rule measures against it); 0 = unknown' });
const UnixTime = (description: string) => Type.Integer({ minimum: 0, maximum: 253_402_300_799, description });
const Reason = Type.String({ maxLength: 255, description: 'Told to clients in the failure reason of their announces' });
const Prefix = Type.String({ minLength: 1, maxLength: 20, description: 'Leading characters of the peer_id, e.g. "-qB4"' });

// ---- requests ----

export const InfoHashParams = Type.Object({ info_hash: InfoHash }, strict);
// 16 digits: every id up to 2^53 - 1 (what the bodies accept) is addressable; a larger one is no user.
export const UserIdParams = Type.Object({ user_id: Type.String({ pattern: '^[0-9]{1,16}$', description: 'The site\'s user id' }) }, strict);
export const PrefixParams = Type.Object({ prefix: Prefix }, strict);
const Pattern = Type.String({ minLength: 1, maxLength: 20, description: 'Leading bytes of the peer_id as latin1 text; "?" matches any one byte' });
export const PatternParams = Type.Object({ pattern: Pattern }, strict);
export const CheatsQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$', description: 'How many events, 1 to 1000; default 100' })),
    user_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$', description: 'Only this user\'s events' })),
    kind: Type.Optional(Type.Union([Type.Literal('upload_rate'), Type.Literal('no_leechers')], { description: 'Only events of this kind' })),
  },
  strict,
);

export const ActiveTorrentsQuery = Type.Object(
  { limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: 'How many torrents, 1 to 100; default 10' })) },
  strict,
);

export const TorrentCreate = Type.Object(
  {
    torrent_id: Id('The site\'s torrent id'),
    info_hash: InfoHash,
    name: Type.Optional(Type.String({ maxLength: 1024, description: 'Default "" (the seed\'s client sends none), or the current name on an update' })),
    multi_up: Type.Optional(Multiplier('Upload multiplier; default 1, or the current value on an update')),
    multi_dn: Type.Optional(Multiplier('Download multiplier (0 = freeleech); default 1, or the current value on an update')),
    size: Type.Optional(Size),
  },
  strict,
);
export const TorrentPatch = Type.Object(
  {
    name: Type.Optional(Name),
    multi_up: Type.Optional(Multiplier('Upload multiplier')),
    multi_dn: Type.Optional(Multiplier('Download multiplier (0 = freeleech)')),
    size: Type.Optional(Size),
    enabled: Type.Optional(Type.Boolean({ description: 'false makes announces fail with `reason`' })),
    reason: Type.Optional(Reason),
  },
  { ...strict, minProperties: 1 },
);
export const TorrentDelete = Type.Object({ reason: Type.Optional(Reason) }, strict);
const TorrentRef = Type.String({ pattern: '^([0-9a-fA-F]{40}|[0-9]{1,16})$', description: 'info_hash (40 hex) or the site\'s torrent id (digits: the seed\'s client names torrents so)' });
/** The seed's torrent get and delete: the path names the torrent by info_hash or by the site's torrent id. */
export const TorrentRefParams = Type.Object({ torrent: TorrentRef }, strict);
/** GET /api/torrent/:info_hash, which shares its path with the peers route (one parameter name). */
export const TorrentGetParams = Type.Object({ info_hash: TorrentRef }, strict);
/** DELETE /api/torrent with the torrent named in the body (by torrent_id or info_hash). */
export const TorrentDeleteBody = Type.Object(
  { torrent_id: Type.Optional(Id('The site\'s torrent id')), info_hash: Type.Optional(InfoHash), reason: Type.Optional(Reason) },
  { ...strict, minProperties: 1 },
);
export const TorrentDeleteQuery = Type.Object(
  { purge: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true forgets the torrent and its swarm: announces then fail with "unregistered torrent"' })) },
  strict,
);
/** A torrent in a bulk import: the whole record, missing fields at their defaults (multipliers 1). */
export const TorrentImport = Type.Object(
  {
    ...TorrentCreate.properties,
    enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
    reason: Type.Optional(Reason),
  },
  strict,
);

const LeechSlots = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description: 'Most peers of the user leeching at once over every torrent; 0 (the default) = no limit',
});

export const TokenItem = Type.Object(
  { torrent_id: Id('The torrent the token is for'), until: UnixTime('Unix seconds the token ends: no download is credited on the torrent before then') },
  strict,
);

/** The hit-and-run and freeleech fields of a user (accounting/hnr.ts, accounting/credit-rule.ts). */
const UserEconomy = {
  hnr_immune: Type.Optional(Type.Boolean({ description: 'Never a hit-and-run (listed as "immune"); default false' })),
  freeleech_until: Type.Optional(UnixTime('Personal freeleech: no download credited before this unix second; 0 (default) = none')),
  multi_up: Type.Optional(Multiplier('The user\'s own upload factor (a class bonus), times the torrent\'s; default 1')),
  multi_dn: Type.Optional(Multiplier('The user\'s own download factor, times the torrent\'s; default 1')),
  tokens: Type.Optional(Type.Array(TokenItem, { maxItems: 1000, description: 'Freeleech tokens: the whole list (replaces the one held)' })),
};

export const UserCreate = Type.Object(
  {
    user_id: Id('The site\'s user id'),
    passkey: Passkey,
    can_leech: Type.Optional(Type.Boolean({ description: 'false: may seed only; default true' })),
    name: Type.Optional(Name),
    enabled: Type.Optional(Type.Boolean({ description: 'false: every announce fails; default true' })),
    leech_slots: Type.Optional(LeechSlots),
    ...UserEconomy,
  },
  strict,
);
const userPatchFields = {
  passkey: Type.Optional(Passkey),
  can_leech: Type.Optional(Type.Boolean()),
  name: Type.Optional(Name),
  enabled: Type.Optional(Type.Boolean()),
  leech_slots: Type.Optional(LeechSlots),
  ...UserEconomy,
};
export const UserPatch = Type.Object(userPatchFields, { ...strict, minProperties: 1 });
/** POST /api/user/:user_id, the seed's update: PATCH's fields, and the user_id its client repeats (it must match the path). */
export const UserPostUpdate = Type.Object(
  {
    ...userPatchFields,
    user_id: Type.Optional(Id('Repeated by some seed clients: must be the user of the path')),
    uploaded: Type.Optional(Type.Number({ description: 'Sent back by the seed\'s client as it read it: never written (an announce between its read and this write would be undone); POST /api/user/:user_id/adjust corrects figures' })),
    downloaded: Type.Optional(Type.Number({ description: 'As uploaded' })),
  },
  { ...strict, minProperties: 1 },
);

export const AdjustBody = Type.Object(
  {
    uploaded: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: 'Signed bytes added to the credited upload; default 0' })),
    downloaded: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: 'Signed bytes added to the credited download; default 0' })),
    reason: Type.String({ minLength: 1, maxLength: 255, description: 'Why (kept with the adjustment)' }),
  },
  strict,
);
export const TorrentIdParams = Type.Object({ user_id: Type.String({ pattern: '^[0-9]{1,16}$' }), torrent_id: Type.String({ pattern: '^[0-9]{1,16}$' }) }, strict);

export const WhitelistItem = Type.Object({ prefix: Prefix, client: Type.String({ maxLength: 255, description: 'Client name shown to operators' }) }, strict);

const MAX_BULK = 10_000;
const Bulk = <T extends TSchema>(item: T) => Type.Array(item, { maxItems: MAX_BULK, description: `At most ${MAX_BULK} items` });
export const BulkUsers = Bulk(UserCreate);
export const BulkTorrents = Bulk(TorrentImport);
export const BulkWhitelist = Bulk(WhitelistItem);
export const BulkUserIds = Type.Object({ ids: Bulk(Id('A user id; one that is not registered is passed over')) }, strict);

/**
 * The bulk imports as columns (POST /api/bulk/users/columns, /api/bulk/torrents/columns): one
 * array per field, value i of each making item i. No JSON object per item: cheaper to write, parse
 * and check than the array of objects (still accepted), which is what warmup sends them for. A
 * column left out gives every item the field's default; one given needs a value for every item.
 */
/** What a field an item leaves out stands for (bulk imports, creates): one source for the routes and for warmup's columns. */
export const USER_DEFAULTS = { name: '', can_leech: true, enabled: true, leech_slots: 0, hnr_immune: false, freeleech_until: 0, multi_up: 1, multi_dn: 1 } as const;
export const TORRENT_DEFAULTS = { name: '', multi_up: 1, multi_dn: 1, size: 0, enabled: true, reason: '' } as const;
const Column = <T extends TSchema>(item: T, description: string) => Type.Array(item, { maxItems: MAX_BULK, description });
export const BulkUserColumns = Type.Object(
  {
    user_id: Column(Id('The site\'s user id'), 'The site\'s user ids: the items, in order'),
    passkey: Column(Passkey, 'Passkeys'),
    name: Type.Optional(Column(Name, 'Default ""')),
    can_leech: Type.Optional(Column(Type.Boolean(), 'false: may seed only; default true')),
    enabled: Type.Optional(Column(Type.Boolean(), 'false: every announce fails; default true')),
    leech_slots: Type.Optional(Column(LeechSlots, 'Most peers leeching at once; default 0 (no limit)')),
    hnr_immune: Type.Optional(Column(Type.Boolean(), 'Never a hit-and-run; default false')),
    freeleech_until: Type.Optional(Column(UnixTime('Unix seconds'), 'Personal freeleech until; default 0 (none)')),
    multi_up: Type.Optional(Column(Multiplier('Upload factor'), 'The user\'s own upload factor; default 1')),
    multi_dn: Type.Optional(Column(Multiplier('Download factor'), 'The user\'s own download factor; default 1')),
  },
  strict,
);
export const BulkTorrentColumns = Type.Object(
  {
    torrent_id: Column(Id('The site\'s torrent id'), 'The site\'s torrent ids: the items, in order'),
    info_hash: Column(InfoHash, 'info_hashes'),
    name: Type.Optional(Column(Name, 'Default ""')),
    multi_up: Type.Optional(Column(Multiplier('Upload multiplier'), 'Default 1')),
    multi_dn: Type.Optional(Column(Multiplier('Download multiplier (0 = freeleech)'), 'Default 1')),
    size: Type.Optional(Column(Size, 'Default 0 (unknown)')),
    enabled: Type.Optional(Column(Type.Boolean(), 'Default true')),
    reason: Type.Optional(Column(Reason, 'Default ""')),
  },
  strict,
);
export const BulkInfoHashes = Type.Object({ info_hashes: Bulk(InfoHash) }, strict);

// ---- replies ----

const Transfer = {
  uploaded: Type.Number({ description: 'Credited upload, bytes (after multipliers)' }),
  downloaded: Type.Number({ description: 'Credited download, bytes (after multipliers)' }),
  uploaded_raw: Type.Number({ description: 'Upload as reported, bytes' }),
  downloaded_raw: Type.Number({ description: 'Download as reported, bytes' }),
};

export const TorrentReply = Type.Object({
  torrent_id: Type.Integer(),
  info_hash: Type.String(),
  name: Type.String(),
  multi_up: Type.Number(),
  multi_dn: Type.Number(),
  size: Type.Integer({ description: 'Bytes; 0 = unknown' }),
  enabled: Type.Boolean(),
  reason: Type.String(),
  seeders: Type.Integer(),
  leechers: Type.Integer(),
  snatches: Type.Integer(),
  announces: Type.Integer(),
  ...Transfer,
});

export const PeerReply = Type.Object({
  user_id: Type.Integer(),
  peer_id: Type.String({ description: 'hex' }),
  ipv4: Type.Optional(Type.String()),
  ipv4_port: Type.Optional(Type.Integer()),
  ipv6: Type.Optional(Type.String()),
  ipv6_port: Type.Optional(Type.Integer()),
  uploaded: Type.Number(),
  downloaded: Type.Number(),
  left: Type.Number(),
  seeder: Type.Boolean(),
  last_seen: Type.Integer({ description: 'Unix seconds' }),
});
export const PeersReply = Type.Object({ info_hash: Type.String(), peers: Type.Array(PeerReply) });

export const UserReply = Type.Object({
  user_id: Type.Integer(),
  passkey: Type.String(),
  name: Type.String(),
  can_leech: Type.Boolean(),
  enabled: Type.Boolean(),
  leech_slots: Type.Integer({ description: '0 = no limit' }),
  hnr_immune: Type.Boolean(),
  freeleech_until: Type.Integer({ description: 'Unix seconds; 0 = no personal freeleech' }),
  multi_up: Type.Number({ description: 'The user\'s own upload factor' }),
  multi_dn: Type.Number({ description: 'The user\'s own download factor' }),
  tokens: Type.Array(TokenItem),
  ...Transfer,
  bonus: Type.Number(),
  snatches: Type.Integer(),
  announces: Type.Integer(),
  cheats: Type.Integer({ description: 'Cheat events: upload beyond the upload budget (upload_rate) or with nobody to upload to (no_leechers)' }),
  hnr_count: Type.Integer({ description: 'Torrents in the hit-and-run state now (GET /api/user/:user_id/hnr lists them)' }),
});

export const HnrEntryReply = Type.Object({
  info_hash: Type.String(),
  torrent_id: Type.Integer(),
  state: Type.Union(['none', 'pending', 'satisfied', 'hnr', 'immune'].map((s) => Type.Literal(s))),
  size: Type.Integer({ description: 'The torrent\'s bytes (0 = unknown)' }),
  downloaded_raw: Type.Number(),
  uploaded: Type.Number(),
  seed_time: Type.Number(),
  seed_time_required: Type.Integer(),
  deadline: Type.Integer({ description: 'Unix seconds the grace period ends (pending, immune, hnr); 0 otherwise' }),
  last_seen: Type.Integer(),
});
export const HnrReply = Type.Object({
  user_id: Type.Integer(),
  hnr_count: Type.Integer(),
  pending_count: Type.Integer(),
  torrents: Type.Array(HnrEntryReply, { description: 'Every torrent the user owes or owed seeding (state none is left out)' }),
});
export const AdjustmentReply = Type.Object({
  user_id: Type.Integer(),
  uploaded: Type.Integer(),
  downloaded: Type.Integer(),
  reason: Type.String(),
  at: Type.Integer({ description: 'Unix seconds' }),
});
export const AdjustmentsReply = Type.Object({ adjustments: Type.Array(AdjustmentReply, { description: 'Oldest first' }) });
export const EventCreate = Type.Object(
  {
    kind: Type.Union([Type.Literal('freeleech'), Type.Literal('double_upload')], { description: '"freeleech": no download credited; "double_upload": upload multiplier at least 2' }),
    start: UnixTime('Unix seconds the event starts'),
    end: UnixTime('Unix seconds it ends (not included)'),
    name: Type.Optional(Type.String({ maxLength: 255 })),
  },
  strict,
);
export const EventIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,9}$' }) }, strict);
export const EventReply = Type.Object({
  id: Type.Integer({ description: 'The API\'s events: what DELETE /api/events/:id takes; 0 for an event of the config (changed by editing it and reloading)' }),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  kind: Type.String(),
  start: Type.Integer(),
  end: Type.Integer(),
  name: Type.String(),
  active: Type.Boolean({ description: 'Running now (start ≤ now < end)' }),
});
export const EventsReply = Type.Object({ events: Type.Array(EventReply) });

export const UserTorrentReply = Type.Object({
  info_hash: Type.String(),
  torrent_id: Type.Integer(),
  ...Transfer,
  seed_time: Type.Number({ description: 'Seconds seeded (one clock for all the user\'s peer_ids on the torrent)' }),
  leech_time: Type.Number({ description: 'Seconds leeched (the same clock)' }),
  left: Type.Number(),
  snatched: Type.Boolean(),
  first_seen: Type.Integer(),
  last_seen: Type.Integer(),
  rule: Type.String({ description: 'The credit rule of the last announce (docs/protocol.md, "Credit rules"), e.g. "dn=token:0 up=event:2"; "" before any was kept' }),
  hnr: Type.String({ description: 'Hit-and-run state: none, pending, satisfied, hnr, immune' }),
});
export const UserTorrentsReply = Type.Object({
  active: Type.Array(UserTorrentReply, { description: 'A peer of the user is in the swarm now' }),
  incomplete: Type.Array(UserTorrentReply, { description: 'Not downloaded to the end, no peer now' }),
  complete: Type.Array(UserTorrentReply, { description: 'Downloaded to the end (or seeded from the start), no peer now' }),
  hnr: Type.Array(UserTorrentReply, { description: 'Of all: in the hit-and-run state (accounting.hnr; GET /api/user/:user_id/hnr)' }),
});

export const WhitelistReply = Type.Object({ whitelist: Type.Array(WhitelistItem) });
export const BlacklistItem = Type.Object({ pattern: Pattern, reason: Type.String({ minLength: 1, maxLength: 200, description: 'Shown to the refused client: "client banned: <reason>"' }) }, strict);
export const BlacklistReply = Type.Object({ blacklist: Type.Array(BlacklistItem) });
export const BulkBlacklist = Bulk(BlacklistItem);

export const CountsReply = Type.Object({
  torrents: Type.Integer(),
  users: Type.Integer(),
  whitelist: Type.Integer(),
  seeders: Type.Integer(),
  leechers: Type.Integer(),
});

export const UserConflict = Type.Object({ user_id: Type.Integer(), holder: Type.Integer({ description: 'The user holding the passkey' }) });
export const TorrentConflict = Type.Object({
  info_hash: Type.String(),
  torrent_id: Type.Integer(),
  holder: Type.String({ description: 'The registered info_hash holding the torrent_id' }),
});
export const BulkReply = Type.Object({
  written: Type.Integer({ description: 'Items written: new, or different from what the registry held' }),
  unchanged: Type.Integer({ description: 'Items equal to what the registry held already: not written' }),
  conflicts: Type.Array(Type.Union([UserConflict, TorrentConflict]), {
    description: 'Items refused and not written: users whose passkey another user holds, torrents whose torrent_id another info_hash holds',
  }),
});

export const CheatEventReply = Type.Object({
  kind: Type.Union([Type.Literal('upload_rate'), Type.Literal('no_leechers')]),
  at: Type.Integer({ description: 'Unix seconds' }),
  user_id: Type.Integer(),
  torrent_id: Type.Integer(),
  peer_id: Type.String({ description: 'hex' }),
  rate: Type.Number({ description: 'Reported bytes per second over the budget\'s window' }),
  reported: Type.Number({ description: 'Upload reported (raw delta), bytes' }),
  allowed: Type.Number({ description: 'Upload credited before the multiplier, bytes' }),
});
export const CheatsReply = Type.Object({
  cheats: Type.Array(CheatEventReply, { description: 'Newest first' }),
  counts: Type.Object({ upload_rate: Type.Integer(), no_leechers: Type.Integer() }, { description: 'Events recorded per kind, ever' }),
});
export const BulkDeleteReply = Type.Object({ deleted: Type.Integer({ description: 'How many of the items were registered (and are gone now)' }) });
export const UserIdsReply = Type.Object({ ids: Type.Array(Type.Integer(), { description: 'Every registered user id, in no particular order' }) });
export const InfoHashesReply = Type.Object({ info_hashes: Type.Array(Type.String(), { description: 'Every registered info_hash (lowercase hex), in no particular order' }) });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const FlushView = Type.Object(
  {
    state: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
    failing_since: Nullable(Type.String({ description: 'ISO time of the first failure of the current run of failures' })),
    error: Nullable(Type.String({ description: 'Why the last pass failed, naming the system: "site database (MySQL): …" or "store (redis): …"' })),
    last_success: Nullable(Type.String({ description: 'ISO time of the last pass that went through' })),
    pending_batches: Nullable(Type.Integer({ description: 'Batches prepared in the store and not yet acknowledged; null when the store does not answer' })),
    lag_seconds: Type.Integer({ description: 'Seconds since the last pass that went through (since start before the first)' }),
  },
  { description: 'The SQL flush of the process that answers (sql.flush); null while it is off' },
);

export const CertificateView = Type.Object(
  {
    expires_at: Type.String(),
    days_left: Type.Integer(),
    expiring: Type.Boolean({ description: 'Under 30 days left: renew it (mika genkey --force, then mika reload)' }),
  },
  { description: 'The API certificate being served' },
);

export const StatsReply = Type.Object({
  announces: Type.Integer({ description: 'Announces answered since start, summed over the worker processes' }),
  scrapes: Type.Integer(),
  errors: Type.Record(Type.String(), Type.Integer(), { description: 'Failure replies by kind' }),
  seeders: Type.Integer(),
  leechers: Type.Integer(),
  torrents: Type.Integer(),
  users: Type.Integer(),
  requests_per_second: Type.Object({ '1s': Type.Number(), '10s': Type.Number(), '60s': Type.Number() }),
  storage: Type.Object({ kind: Type.String(), up: Type.Boolean(), latency_ms: Type.Union([Type.Number(), Type.Null()]) }),
  registry: Type.Optional(
    Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()) }, { description: 'ok false: no users and no torrents (reason says what happened and what to do); absent from older daemons' }),
  ),
  uptime_seconds: Type.Integer(),
  cheats: Type.Optional(Type.Object({ upload_rate: Type.Integer(), no_leechers: Type.Integer() }, { description: 'Cheat events recorded per kind, ever (the store\'s; absent while storage is down)' })),
  workers: Type.Integer({ description: 'Processes whose figures are summed here (mika serve -procs; 1 without)' }),
  flush: Nullable(FlushView),
  certificate: Nullable(CertificateView),
});

export const ActiveTorrentsReply = Type.Array(
  Type.Object({
    info_hash: Type.String(),
    torrent_id: Type.Integer(),
    name: Type.String(),
    announces_last_minute: Type.Integer({ description: 'Announces this process answered in the last 60 seconds (estimated from per-minute counts)' }),
    seeders: Type.Integer(),
    leechers: Type.Integer(),
  }),
  { description: 'Busiest first' },
);

export const ReloadReply = Type.Object({
  changed: Type.Array(Type.String(), { description: 'Config fields whose value changed' }),
  needs_restart: Type.Array(Type.String(), { description: 'Of changed: those that take effect only after a restart' }),
});

export const HealthReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'degraded: see reasons (HTTP 503 when the store is down, 200 otherwise)' }),
  reasons: Type.Array(Type.String(), { description: 'What is wrong, one line each: storage down, registry empty, flush failing, certificate expiring' }),
  storage: Type.String(),
  store: Type.String(),
  registry: Type.String({ description: '"ok", or "empty": no users and no torrents, every announce fails "unknown passkey" (a reason says what happened and what to do)' }),
  flush: Nullable(FlushView),
  certificate: Nullable(CertificateView),
});

export const VersionReply = Type.Object({ name: Type.String(), version: Type.String() });
export const UptimeReply = Type.Object({ started_at: Type.String(), uptime_seconds: Type.Integer() });
export const ErrorReply = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export type TorrentCreate = Static<typeof TorrentCreate>;
export type TorrentPatch = Static<typeof TorrentPatch>;
export type TorrentImport = Static<typeof TorrentImport>;
export type UserCreate = Static<typeof UserCreate>;
export type UserPatch = Static<typeof UserPatch>;
export type UserPostUpdate = Static<typeof UserPostUpdate>;
export type TokenItem = Static<typeof TokenItem>;
export type AdjustBody = Static<typeof AdjustBody>;
export type TorrentDeleteBody = Static<typeof TorrentDeleteBody>;
export type HnrReply = Static<typeof HnrReply>;
export type HnrEntryReply = Static<typeof HnrEntryReply>;
export type EventReply = Static<typeof EventReply>;
export type EventCreate = Static<typeof EventCreate>;
export type WhitelistItem = Static<typeof WhitelistItem>;
export type BlacklistItem = Static<typeof BlacklistItem>;
export type BlacklistReply = Static<typeof BlacklistReply>;
export type TorrentReply = Static<typeof TorrentReply>;
export type PeersReply = Static<typeof PeersReply>;
export type UserReply = Static<typeof UserReply>;
export type UserTorrentReply = Static<typeof UserTorrentReply>;
export type UserTorrentsReply = Static<typeof UserTorrentsReply>;
export type WhitelistReply = Static<typeof WhitelistReply>;
export type CountsReply = Static<typeof CountsReply>;
export type BulkReply = Static<typeof BulkReply>;
export type BulkUserColumns = Static<typeof BulkUserColumns>;
export type BulkTorrentColumns = Static<typeof BulkTorrentColumns>;
export type UserConflict = Static<typeof UserConflict>;
export type TorrentConflict = Static<typeof TorrentConflict>;
export type CheatsReply = Static<typeof CheatsReply>;
export type BulkDeleteReply = Static<typeof BulkDeleteReply>;
export type UserIdsReply = Static<typeof UserIdsReply>;
export type InfoHashesReply = Static<typeof InfoHashesReply>;
export type StatsReply = Static<typeof StatsReply>;
export type ActiveTorrentsReply = Static<typeof ActiveTorrentsReply>;
export type ReloadReply = Static<typeof ReloadReply>;
export type HealthReply = Static<typeof HealthReply>;
export type VersionReply = Static<typeof VersionReply>;
export type UptimeReply = Static<typeof UptimeReply>;
