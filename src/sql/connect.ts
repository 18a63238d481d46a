import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';
import type { SqlConfig } from '../config/schema.js';

/** mysql2 options for the site database of config `sql.*` (a URL wins over the separate fields). */
export function sqlOptions(sql: SqlConfig): PoolOptions {
  const common: PoolOptions = { connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: false, dateStrings: true };
  if (sql.url !== '') return { ...common, uri: sql.url };
  return {
    ...common,
    ...(sql.socket !== '' ? { socketPath: sql.socket } : { host: sql.host, port: sql.port }),
    user: sql.user,
    password: sql.password,
    database: sql.database,
  };
}

/** A connection pool to the site database; the caller ends it. */
export function sqlPool(sql: SqlConfig, connectionLimit = 4): Pool {
  return createPool({ ...sqlOptions(sql), connectionLimit, waitForConnections: true });
}

/** `name` quoted as a MySQL identifier (config validates identifiers; this keeps SQL text safe anyway). */
export const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
