import { configLeaves } from './diff.js';
import type { Config } from './schema.js';

/** The config fields whose values are secrets (sql.queries.users.passkey is a column name: not one). */
const SECRET_FIELDS = ['api.keys', 'api.password', 'store.redis.password', 'store.redis.sentinel_password', 'sql.password', 'metrics.influx.token'];

/** Fields holding a URL whose userinfo may carry a password. */
const URL_FIELDS = ['store.redis.url', 'sql.url', 'metrics.influx.url'];

/** Every secret value of `config`: the secret fields' (api.keys, the passwords, the token) and the passwords inside its URLs. */
export function configSecrets(config: Config): string[] {
  const secrets: string[] = [];
  for (const [path, value] of configLeaves(config)) {
    if (SECRET_FIELDS.includes(path)) secrets.push(...(Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== ''));
    if (URL_FIELDS.includes(path) && typeof value === 'string' && value !== '') {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password !== '') secrets.push(password);
      } catch {
        // Not a URL: the schema refused it already, or it is empty.
      }
    }
  }
  return secrets;
}
