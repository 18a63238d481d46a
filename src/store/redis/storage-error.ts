import { StorageUnavailableError } from '../store.js';

// Which failures mean "Redis cannot serve us now" (the tracker answers "tracker storage unavailable"
// and the client retries later) and which are bugs to surface as they are.

/** Error replies Redis gives while it cannot serve: loading a dataset, busy script, out of memory, replica, auth. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOAUTH|WRONGPASS|MISCONF|NOREPLICAS)\b/;

/** True when `err` comes from the connection (closed, not writable, timed out) or from a Redis that cannot serve. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  // Everything that is not a reply from Redis comes from the client side of the connection:
  // "Stream isn't writeable…", "Connection is closed.", MaxRetriesPerRequestError, "Command timed out", ECONNREFUSED.
  if (err.name !== 'ReplyError') return true;
  return UNAVAILABLE_REPLIES.test(err.message);
}

/** `err` as the store reports it: StorageUnavailableError for connection trouble, unchanged otherwise. */
export function toStoreError(err: unknown): Error {
  if (err instanceof StorageUnavailableError) return err;
  if (isUnavailable(err)) return new StorageUnavailableError(err);
  return err as Error;
}
