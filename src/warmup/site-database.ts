import type { Readable } from 'node:stream';
import { createConnection, type Connection } from 'mysql2';
import type { SqlConfig } from '../config/schema.js';
import { ident, sqlOptions } from '../sql/connect.js';
import type { Cell } from './row-readers.js';

/** Rows a table stream holds in memory before it pauses the socket (backpressure). */
const STREAM_BUFFER_ROWS = 4096;

/** Where config `sql.*` points, for messages: never the password. */
export function describeSite(sql: SqlConfig): string {
  if (sql.url !== '') {
    try {
      const url = new URL(sql.url);
      url.password = '';
      return url.toString();
    } catch {
      return 'sql.url';
    }
  }
  return `${sql.user}@${sql.socket !== '' ? sql.socket : `${sql.host}:${sql.port}`}/${sql.database}`;
}

/**
 * One connection to the site database, for reading. Tables are read as streams: rows arrive as
 * they are consumed, so memory stays flat whatever the table's size.
 */
export class SiteDatabase {
  private constructor(
    private readonly conn: Connection,
    /** user@host:port/database, for messages. */
    readonly where: string,
  ) {}

  static async open(sql: SqlConfig): Promise<SiteDatabase> {
    const where = describeSite(sql);
    const conn = createConnection(sqlOptions(sql));
    // A connection lost later fails the query in flight; this keeps it from being an uncaught 'error'.
    conn.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      conn.destroy();
      throw new Error(`cannot connect to the site database at ${where} (config sql.*): ${(err as Error).message}`, { cause: err });
    }
    return new SiteDatabase(conn, where);
  }

  /** The table's columns, lowercase name → name as declared; empty when there is no such table. */
  async columns(table: string): Promise<Map<string, string>> {
    const [rows] = await this.conn
      .promise()
      .query({
        sql: 'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        values: [table],
        rowsAsArray: true,
      });
    return new Map((rows as Array<[string]>).map(([name]) => [name.toLowerCase(), name]));
  }

  async count(table: string): Promise<number> {
    const [rows] = await this.conn.promise().query({ sql: `SELECT COUNT(*) FROM ${ident(table)}`, rowsAsArray: true });
    return Number((rows as Array<[number | string]>)[0]?.[0] ?? 0);
  }

  /** Every row of `columns` from `table`, each an array in column order, streamed with backpressure. */
  rows(table: string, columns: string[]): Readable & AsyncIterable<Cell[]> {
    const sql = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)}`;
    return this.conn.query({ sql, rowsAsArray: true }).stream({ highWaterMark: STREAM_BUFFER_ROWS });
  }

  /**
   * The rows of `rows()`, in chunks of those that have arrived: one await per chunk rather than
   * per row (a stream's async iterator costs a promise and a turn of the microtask queue for each
   * of hundreds of thousands of rows). The SELECT starts at the call, so its first rows can arrive
   * while the caller finishes other work; the stream stays paused while the caller works on a chunk.
   */
  rowChunks(table: string, columns: string[]): AsyncGenerator<Cell[][]> {
    const stream = this.rows(table, columns);
    const state: StreamState = { ended: false, failure: undefined, wake: undefined };
    const poke = () => {
      const w = state.wake;
      state.wake = undefined;
      w?.();
    };
    // Listening from the start: an 'error' before the first chunk is asked for is kept, not thrown.
    stream.on('readable', poke);
    stream.once('end', () => {
      state.ended = true;
      poke();
    });
    stream.on('error', (error: unknown) => {
      state.failure = { error };
      poke();
    });
    return chunks(stream, state);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.conn.end(() => resolve()));
  }

  /** Drops the connection at once (after a failure, with a query maybe still streaming). */
  destroy(): void {
    this.conn.destroy();
  }
}

/** What rowChunks' listeners saw of its stream; `wake` resumes the reader waiting for it. */
interface StreamState {
  ended: boolean;
  failure: { error: unknown } | undefined;
  wake: (() => void) | undefined;
}

async function* chunks(stream: Readable, state: StreamState): AsyncGenerator<Cell[][]> {
  try {
    for (;;) {
      const chunk: Cell[][] = [];
      for (let row: Cell[] | null; (row = stream.read() as Cell[] | null) !== null; ) chunk.push(row);
      if (chunk.length > 0) yield chunk;
      else if (state.failure) throw state.failure.error;
      else if (state.ended) return;
      // read() gave nothing: 'readable', 'end' or 'error' comes on a later turn, after this is set.
      else await new Promise<void>((resolve) => (state.wake = resolve));
    }
  } finally {
    stream.destroy();
  }
}
