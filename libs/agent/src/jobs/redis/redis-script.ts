import type { Cluster, Redis } from 'ioredis';

/** A Lua script and how its typed arguments become KEYS and ARGV: call sites never see the positions. */
export interface RedisScriptSpec<Args> {
  /** The command ioredis registers on each connection (EVALSHA, falling back to EVAL once per connection). */
  name: string;
  lua: string;
  /** How many of the leading arguments are keys (fixed per script, as a Redis Cluster routes by them). */
  numberOfKeys: number;
  keys(args: Args): string[];
  argv(args: Args): Array<string | number>;
}

/** Runs the script on `redis` with typed arguments. */
export type RedisScript<Args, Result> = (redis: Redis | Cluster, args: Args) => Promise<Result>;

type Scripted<Result> = Record<string, ((...args: Array<string | number>) => Promise<Result>) | undefined>;

/** Wraps a Lua script: registered on a connection the first time it runs there, then called by its SHA. */
export function redisScript<Args, Result>(spec: RedisScriptSpec<Args>): RedisScript<Args, Result> {
  return (redis, args) => {
    const scripted = redis as unknown as Scripted<Result>;
    if (!scripted[spec.name]) redis.defineCommand(spec.name, { numberOfKeys: spec.numberOfKeys, lua: spec.lua });
    const keys = spec.keys(args);
    return scripted[spec.name]!(...keys, ...spec.argv(args));
  };
}
