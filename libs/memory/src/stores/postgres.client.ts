/* eslint-disable @typescript-eslint/no-explicit-any -- rows are typed by each query's caller, as in pg itself */

// The parts of pg that PostgresStore uses, as structural types: a pg Pool fits them, and the
// published types do not need pg installed (it is an optional peer).

export interface PgResult<R = any> {
  rows: R[];
  rowCount: number | null;
}

export interface PgQueryable {
  query<R = any>(text: string, values?: unknown[]): Promise<PgResult<R>>;
}

export interface PgPoolClient extends PgQueryable {
  release(err?: Error | boolean): void;
}

/** A pg Pool (or anything that behaves like one). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
