import { ApiClientError, type ApiClient } from '../api/client.js';
import type { BulkReply } from '../api/schemas.js';

/**
 * The items as the bulk routes' columns body: one array per field any item has, value i of each
 * from item i. An item without a field another item has gets `defaults`' value of it (what the
 * daemon would take for the field left out), so every column holds a value per item.
 */
export function toColumns<T extends object, C>(items: readonly T[], defaults: Readonly<Record<string, unknown>>): C {
  const columns: Record<string, unknown[]> = {};
  const n = items.length;
  for (let i = 0; i < n; i++) {
    const item = items[i] as Record<string, unknown>;
    for (const field in item) {
      const value = item[field];
      if (value === undefined) continue;
      (columns[field] ??= new Array<unknown>(n))[i] = value;
    }
  }
  for (const field in columns) {
    const column = columns[field]!;
    // A field no default is known for comes from every item (the readers always give it).
    const fallback = defaults[field];
    for (let i = 0; i < n; i++) if (column[i] === undefined) column[i] = fallback;
  }
  return columns as C;
}

type Send<T> = (api: ApiClient, batch: T[]) => Promise<BulkReply>;

/**
 * Sends each batch as columns; should the daemon not know the columns route (one older than this
 * warmup answers 404 `not_found`), that batch and the later ones go as the array of objects.
 */
export function columnsOrItems<T>(columns: Send<T>, items: Send<T>): Send<T> {
  let itemsOnly = false;
  return async (api, batch) => {
    if (!itemsOnly) {
      try {
        return await columns(api, batch);
      } catch (err) {
        if (!(err instanceof ApiClientError && err.status === 404 && err.code === 'not_found')) throw err;
        itemsOnly = true;
      }
    }
    return items(api, batch);
  };
}
