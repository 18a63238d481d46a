import { ApiClientError, ApiUnreachableError, clientFromConfig, type ApiClient } from '../api/client.js';
import type { Config } from '../config/schema.js';

/**
 * Runs `fn` with a client of the daemon `config` describes (see clientFromConfig) and closes it.
 * The failures an operator can fix become one line that says what to check: an API that does not
 * answer (no daemon, or another api.listen) gets `unreachableHint` after the question whether mika
 * serve runs; credentials the API refuses name api.keys. Other errors pass through as they are.
 */
export async function withApi<T>(config: Config, fn: (api: ApiClient) => Promise<T>, unreachableHint = ''): Promise<T> {
  const api = clientFromConfig(config);
  try {
    return await fn(api);
  } catch (err) {
    throw explainApiError(err, unreachableHint);
  } finally {
    await api.close();
  }
}

/** The error of an API call as the one line withApi prints (every command that calls the API says the same). */
export function explainApiError(err: unknown, unreachableHint = ''): unknown {
  if (err instanceof ApiUnreachableError) {
    return new Error(`${err.message} (is mika serve running with this config?${unreachableHint ? ` ${unreachableHint}` : ''})`, { cause: err });
  }
  if (err instanceof ApiClientError && err.status === 401) {
    return new Error('the API refused the key (check api.keys: the first key is sent; without keys, api.username and api.password; they must match the daemon\'s)', { cause: err });
  }
  return err;
}
