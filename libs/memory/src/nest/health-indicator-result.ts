/**
 * A health result in `@nestjs/terminus`'s shape (its `HealthIndicatorResult`: the key, then
 * `status` and details), which `HealthCheckService.check` takes as it is. Built here without
 * importing terminus, so the libraries' Nest layers load without it: it stays an optional peer.
 */
export type HealthIndicatorResult<Key extends string = string> = Record<Key, { status: 'up' | 'down'; [detail: string]: unknown }>;

/** `{ [key]: { status, ...details } }` */
export function healthResult<Key extends string>(key: Key, up: boolean, details: Record<string, unknown> = {}): HealthIndicatorResult<Key> {
  return { [key]: { ...details, status: up ? 'up' : 'down' } } as HealthIndicatorResult<Key>;
}
