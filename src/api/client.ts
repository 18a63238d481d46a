import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { listenTarget } from '../daemon/listen-address.js';
import type { ErrorBody } from './api-error.js';
import type {
  ActiveTorrentsReply,
  BulkDeleteReply,
  BulkReply,
  BulkTorrentColumns,
  BulkUserColumns,
  CountsReply,
  HealthReply,
  InfoHashesReply,
  PeersReply,
  ReloadReply,
  StatsReply,
  TorrentCreate,
  TorrentImport,
  TorrentPatch,
  TorrentReply,
  UptimeReply,
  UserCreate,
  UserIdsReply,
  UserPatch,
  UserReply,
  UserTorrentsReply,
  VersionReply,
  WhitelistItem,
  BlacklistItem,
  BlacklistReply,
  WhitelistReply,
} from './schemas.js';

export interface ApiClientOptions {
  /** e.g. "https://127.0.0.1:34001" */
  baseUrl: string;
  /** PEM certificate(s) to trust: the API's self-signed certificate, pinned. */
  ca?: string | Buffer;
  /** Sent as `Authorization: Bearer <key>`; wins over `basic`. */
  apiKey?: string;
  basic?: { username: string; password: string };
  /** Per request, headers and body together; default 10 s. */
  timeoutMs?: number;
}

/** A non-2xx answer of the API: its status and the `{ error: { code, message } }` it carried. */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer from the API: refused, timed out, or a certificate that is not the pinned one. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

/** TLS verification codes of a certificate that is not the one pinned (renewed since, or another server's). */
const CERTIFICATE_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE']);

/** Whether `err` is the API answering with another certificate than the one trusted. */
export function isOtherCertificate(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (CERTIFICATE_CODES.has((e as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/** The REST API over HTTPS, one method a route, typed by the schemas the server validates with. */
export class ApiClient {
  private readonly agent: Agent;
  private readonly authorization: string | undefined;

  constructor(private readonly opts: ApiClientOptions) {
    this.agent = new Agent({ connect: opts.ca === undefined ? {} : { ca: opts.ca } });
    const { apiKey, basic } = opts;
    if (apiKey !== undefined) this.authorization = `Bearer ${apiKey}`;
    else if (basic) this.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }

  /** Where the API is, e.g. "https://127.0.0.1:34001". */
  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /** Answers a 503 (store down) with its body too: a degraded health is a reply, not a failure. */
  health = () => this.request<HealthReply>('GET', '/api/health', undefined, [200, 503]);
  version = () => this.request<VersionReply>('GET', '/api/version');
  uptime = () => this.request<UptimeReply>('GET', '/api/uptime');
  openapi = () => this.request<Record<string, unknown>>('GET', '/api/openapi.json');

  /** Registers a torrent, or updates the one with this info_hash (`created` false). */
  async putTorrent(body: TorrentCreate): Promise<{ created: boolean; torrent: TorrentReply }> {
    const { status, body: torrent } = await this.exchange<TorrentReply>('POST', '/api/torrent', body, [201, 202]);
    return { created: status === 201, torrent };
  }
  torrent = (infoHash: string) => this.request<TorrentReply>('GET', torrentPath(infoHash));
  patchTorrent = (infoHash: string, patch: TorrentPatch) => this.request<TorrentReply>('PATCH', torrentPath(infoHash), patch);
  /** Disables the torrent (announces then fail with `reason`) and returns it; `purge` forgets it and returns undefined. */
  async deleteTorrent(infoHash: string, opts: { reason?: string; purge?: boolean } = {}): Promise<TorrentReply | undefined> {
    const body = opts.reason === undefined ? {} : { reason: opts.reason };
    return this.request<TorrentReply | undefined>('DELETE', `${torrentPath(infoHash)}${opts.purge ? '?purge=true' : ''}`, body, [200, 204]);
  }
  peers = (infoHash: string) => this.request<PeersReply>('GET', `${torrentPath(infoHash)}/peers`);
  counts = () => this.request<CountsReply>('GET', '/api/counts');

  /** Throws ApiClientError 409 `user_exists` or `passkey_taken`. */
  createUser = (body: UserCreate) => this.request<UserReply>('POST', '/api/user', body, [201]);
  user = (userId: number) => this.request<UserReply>('GET', `/api/user/${userId}`);
  patchUser = (userId: number, patch: UserPatch) => this.request<UserReply>('PATCH', `/api/user/${userId}`, patch);
  deleteUser = (userId: number) => this.request<void>('DELETE', `/api/user/${userId}`, undefined, [204]);
  userTorrents = (userId: number) => this.request<UserTorrentsReply>('GET', `/api/user/${userId}/torrents`);

  whitelist = () => this.request<WhitelistReply>('GET', '/api/whitelist');
  /** Adds a client prefix, or replaces the name of one listed already (`created` false). */
  async putWhitelist(item: WhitelistItem): Promise<{ created: boolean; item: WhitelistItem }> {
    const { status, body } = await this.exchange<WhitelistItem>('POST', '/api/whitelist', item, [200, 201]);
    return { created: status === 201, item: body };
  }
  blacklist = () => this.request<BlacklistReply>('GET', '/api/blacklist');

  async putBlacklist(item: BlacklistItem): Promise<{ created: boolean; item: BlacklistItem }> {
    const { status, body } = await this.exchange<BlacklistItem>('POST', '/api/blacklist', item, [200, 201]);
    return { created: status === 201, item: body };
  }

  deleteBlacklist = (pattern: string) => this.request<void>('DELETE', `/api/blacklist/${encodeURIComponent(pattern)}`, undefined, [204]);

  deleteWhitelist = (prefix: string) => this.request<void>('DELETE', `/api/whitelist/${encodeURIComponent(prefix)}`, undefined, [204]);

  bulkUsers = (users: UserCreate[]) => this.request<BulkReply>('POST', '/api/bulk/users', users);
  bulkTorrents = (torrents: TorrentImport[]) => this.request<BulkReply>('POST', '/api/bulk/torrents', torrents);
  /** As bulkUsers, the users as columns (schemas.ts BulkUserColumns): cheaper for both sides; a daemon older than it answers 404 `not_found`. */
  bulkUserColumns = (columns: BulkUserColumns) => this.request<BulkReply>('POST', '/api/bulk/users/columns', columns);
  /** As bulkTorrents, the torrents as columns (BulkTorrentColumns); a daemon older than it answers 404 `not_found`. */
  bulkTorrentColumns = (columns: BulkTorrentColumns) => this.request<BulkReply>('POST', '/api/bulk/torrents/columns', columns);
  bulkWhitelist = (items: WhitelistItem[]) => this.request<BulkReply>('POST', '/api/bulk/whitelist', items);
  bulkBlacklist = (items: BlacklistItem[]) => this.request<BulkReply>('POST', '/api/bulk/blacklist', items);
  /** Every registered user id (an importer's prune compares them with the site's). */
  userIds = () => this.request<UserIdsReply>('GET', '/api/users/ids');
  /** Every registered info_hash, lowercase hex. */
  infoHashes = () => this.request<InfoHashesReply>('GET', '/api/torrents/hashes');
  /** Removes up to 10,000 users; `deleted` counts those that were registered. */
  bulkDeleteUsers = (ids: number[]) => this.request<BulkDeleteReply>('POST', '/api/bulk/users/delete', { ids });
  /** Forgets up to 10,000 torrents with their swarms; `deleted` counts those that were registered. */
  bulkDeleteTorrents = (infoHashes: string[]) => this.request<BulkDeleteReply>('POST', '/api/bulk/torrents/delete', { info_hashes: infoHashes });

  stats = () => this.request<StatsReply>('GET', '/api/stats');
  /** The `limit` (1–100, default 10) torrents with the most announces in the last minute, busiest first. */
  activeTorrents = (limit?: number) => this.request<ActiveTorrentsReply>('GET', `/api/torrents/active${limit === undefined ? '' : `?limit=${limit}`}`);
  /** Makes the daemon read its config file again; a file that fails validation is ApiClientError 422 `invalid_config`. */
  reload = () => this.request<ReloadReply>('POST', '/api/reload');

  /** Closes the pooled connections. */
  close = () => this.agent.close();

  private async request<T>(method: string, path: string, body?: unknown, ok?: number[]): Promise<T> {
    return (await this.exchange<T>(method, path, body, ok)).body;
  }

  /** One request; the reply's JSON (undefined when empty) if its status is one of `ok`, else ApiClientError. */
  private async exchange<T>(method: string, path: string, body?: unknown, ok = [200]): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let text: string;
    let status: number;
    try {
      // undici's request, not fetch: fetch wraps every body in a web stream and copies it through
      // it, which cost a warmup's process more than the JSON of its 5,000-row bodies did.
      const res = await request(`${this.opts.baseUrl}${path}`, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      // undici says "fetch failed" and keeps the reason (refused, certificate, timeout) in `cause`.
      const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      throw new ApiUnreachableError(`cannot reach the API at ${this.opts.baseUrl}: ${cause}`, { cause: err });
    }
    const json = parseJson(text);
    // The tracker's port, or another server: its bencoded or HTML body is no answer of the API.
    if (text !== '' && json === undefined) {
      throw new ApiClientError(status, 'not_the_api', `${this.opts.baseUrl} answered HTTP ${status} with something other than the mika API's JSON (is it the api.listen address, not the tracker's?)`);
    }
    if (ok.includes(status)) return { status, body: json as T };
    const error = (json as Partial<ErrorBody> | undefined)?.error;
    throw new ApiClientError(status, error?.code ?? `http_${status}`, error?.message ?? (text || `HTTP ${status}`));
  }
}

const torrentPath = (infoHash: string) => `/api/torrent/${infoHash}`;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A client for the daemon this config describes: api.listen (":port" and the any-addresses reach it
 * on loopback), the certificate at api.tls_cert pinned, and the first API key, else basic auth.
 * `overrides` win over what the config says (command-line flags).
 */
export function clientFromConfig(config: Config, overrides: Partial<ApiClientOptions> = {}): ApiClient {
  const { host, port, ipv6Only } = listenTarget(config.api.listen, config.tracker);
  const any = host === '::' || host === '0.0.0.0';
  const local = any ? (ipv6Only ? '::1' : '127.0.0.1') : host;
  const { keys, username, password, tls_cert: certPath } = config.api;
  // Read at every call: a certificate renewed since the last command is the one trusted.
  let ca: string | Buffer | undefined;
  try {
    ca = overrides.ca ?? (overrides.baseUrl?.startsWith('http:') ? undefined : readFileSync(certPath));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new Error(`cannot read the API certificate ${certPath}: ${why} (check api.tls_cert; mika genkey or mika init writes it)`, { cause: err });
  }
  return new ApiClient({
    baseUrl: `https://${local.includes(':') ? `[${local}]` : local}:${port}`,
    ...(ca === undefined ? {} : { ca }),
    ...(keys[0] !== undefined ? { apiKey: keys[0] } : {}),
    ...(username !== '' ? { basic: { username, password } } : {}),
    ...overrides,
  });
}
