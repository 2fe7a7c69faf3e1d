/**
 * The gateway's default store: one SQLite file (better-sqlite3, an optional peer
 * dependency loaded on first use).
 * @module
 */
import { createRequire } from 'node:module';
import { chmodSync, closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ValidationError } from '../errors.js';
import { FINAL_TES_STATES, matchesQuery, type GatewayTask, type GatewayTaskPatch, type StoreUsage, type TaskQuery, type TaskStore } from './store.js';

interface Row {
  id: string;
  seq: number;
  owner: string;
  state: string;
  doc: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, seq);
CREATE INDEX IF NOT EXISTS tasks_state ON tasks (state);
`;

function loadDriver(): typeof BetterSqlite3 {
  try {
    // the CommonJS build has no import.meta.url, and its own `require`
    const here = (import.meta as { url?: string }).url;
    const load = here ? createRequire(here) : require;
    return load('better-sqlite3') as typeof BetterSqlite3;
  } catch (error) {
    throw new ValidationError(
      'gateway store',
      [
        {
          path: 'store',
          message:
            'the SQLite store needs the optional peer dependency better-sqlite3 (version 12; 13 does not run on Node 20): `npm install better-sqlite3@12`, or pass another TaskStore',
        },
      ],
      { cause: error },
    );
  }
}

/**
 * A {@link TaskStore} in a SQLite file, written through (WAL journal) so a
 * killed gateway loses nothing it acknowledged.
 *
 * @example
 * ```ts
 * const store = new SqliteTaskStore('/var/lib/pulsar-network/gateway.db');
 * const gateway = createTesGateway(network, { store, clients: { wfexs: process.env.WFEXS_TOKEN! } });
 * ```
 */
export class SqliteTaskStore implements TaskStore {
  readonly #db: BetterSqlite3.Database;
  readonly #insert: BetterSqlite3.Statement;
  readonly #get: BetterSqlite3.Statement;
  readonly #write: BetterSqlite3.Statement;

  /** Opens (or creates) the database file. */
  constructor(
    /** The SQLite file, as given (its directory is created when missing). */
    readonly path: string,
  ) {
    const Driver = loadDriver();
    const file = resolve(path);
    createPrivately(file);
    this.#db = new Driver(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare('INSERT INTO tasks (id, owner, state, doc) VALUES (?, ?, ?, ?)');
    this.#get = this.#db.prepare('SELECT * FROM tasks WHERE id = ?');
    this.#write = this.#db.prepare('UPDATE tasks SET state = ?, doc = ? WHERE id = ?');
  }

  insert(task: Omit<GatewayTask, 'seq'>): GatewayTask {
    const { id, owner, state } = task;
    const info = this.#insert.run(id, owner, state, JSON.stringify(task));
    return { ...structuredClone(task), seq: Number(info.lastInsertRowid) };
  }

  update(id: string, patch: GatewayTaskPatch): void {
    const update = this.#db.transaction(() => {
      const task = this.get(id);
      if (!task) return;
      const next = { ...task, ...patch };
      this.#write.run(next.state, JSON.stringify(next), id);
    });
    // IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the read, so another
    // process writing in between cannot make the upgrade fail at once with SQLITE_BUSY.
    update.immediate();
  }

  get(id: string): GatewayTask | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(query: TaskQuery): GatewayTask[] {
    const where = ['owner = ?', 'seq > ?'];
    const params: Array<string | number> = [query.owner, query.afterSeq ?? 0];
    if (query.state !== undefined) {
      where.push('state = ?');
      params.push(query.state);
    }
    const rows = this.#db.prepare(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq`).iterate(...params) as IterableIterator<Row>;
    const out: GatewayTask[] = [];
    for (const row of rows) {
      const task = fromRow(row);
      if (matchesQuery(task, query)) out.push(task);
      if (out.length >= query.limit) break;
    }
    return out;
  }

  unfinished(): GatewayTask[] {
    const finals = [...FINAL_TES_STATES];
    const rows = this.#db.prepare(`SELECT * FROM tasks WHERE state NOT IN (${finals.map(() => '?').join(', ')}) ORDER BY seq`).all(...finals) as Row[];
    return rows.map(fromRow);
  }

  usage(owner: string): StoreUsage {
    const finals = [...FINAL_TES_STATES];
    const row = this.#db
      .prepare(`SELECT COALESCE(SUM(CASE WHEN state NOT IN (${finals.map(() => '?').join(', ')}) THEN 1 ELSE 0 END), 0) AS unfinished, COALESCE(SUM(length(CAST(doc AS BLOB))), 0) AS bytes FROM tasks WHERE owner = ?`)
      .get(...finals, owner) as { unfinished: number; bytes: number };
    return { unfinished: Number(row.unfinished), bytes: Number(row.bytes) };
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * Makes the database file owner-only before SQLite opens it: its directory
 * (when new) 0700, the file 0600, so its `-wal` and `-shm` files, which
 * SQLite creates with the database's own mode, are 0600 too. A file or
 * journal left readable by others by an earlier version is closed to them.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600));
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    const mode = statSync(name, { throwIfNoEntry: false })?.mode;
    if (mode !== undefined && (mode & 0o077) !== 0) chmodSync(name, mode & 0o700);
  }
}

function fromRow(row: Row): GatewayTask {
  return { ...(JSON.parse(row.doc) as Omit<GatewayTask, 'seq'>), seq: row.seq };
}
