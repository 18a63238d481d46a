/**
 * A request the tracker refuses. The message is the bencoded `failure reason` sent back, always with
 * HTTP 200: libtorrent-based clients treat any other status as a transport error and never show it.
 */
export class TrackerFailure extends Error {
  override readonly name = 'TrackerFailure';
  constructor(
    /** Short machine-readable kind, for logs and metrics. */
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export type FailureKind =
  | 'malformed'
  | 'unknown_passkey'
  | 'user_disabled'
  | 'not_whitelisted'
  | 'client_refused'
  | 'unregistered_torrent'
  | 'torrent_disabled'
  | 'leech_denied'
  | 'peer_limit'
  | 'figure_range'
  | 'family_disabled'
  | 'storage_unavailable'
  | 'internal';

export const malformed = (param: string, rule: string): TrackerFailure =>
  new TrackerFailure('malformed', `malformed parameter ${param}: ${rule}`);
