/* eslint-disable @typescript-eslint/no-explicit-any -- rows are typed by each query's caller, as in pg itself */

// The parts of pg that PostgresStore uses, as structural types: a pg Pool fits them, and the
// published types do not need pg installed (it is an optional peer).

/** A query's result, as pg returns it. */
export interface PgResult<R = any> {
  rows: R[];
  /** Rows the statement touched; null for statements that report none. */
  rowCount: number | null;
}

/** Anything that runs a parameterised query: a pool or one checked-out client. */
export interface PgQueryable {
  /** Runs `text` with `$1`, `$2`... bound to `values`. */
  query<R = any>(text: string, values?: unknown[]): Promise<PgResult<R>>;
}

/** A client checked out of a {@link PgPool}, used for a transaction. */
export interface PgPoolClient extends PgQueryable {
  /** Returns the client to the pool; an error (or true) makes the pool discard it instead. */
  release(err?: Error | boolean): void;
}

/** A pg Pool (or anything that behaves like one). */
export interface PgPool extends PgQueryable {
  /** Checks a client out of the pool (the store runs each transaction on one). */
  connect(): Promise<PgPoolClient>;
  /** Closes every connection; the store calls it only on a pool it created itself. */
  end(): Promise<void>;
  /** Listens for errors of idle connections, which would otherwise crash the process. */
  on(event: 'error', listener: (err: Error) => void): unknown;
}
