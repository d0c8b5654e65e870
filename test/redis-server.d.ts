export interface RedisServer {
  url: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}
export function findOrInstallRedis(): string;
export function freePort(): Promise<number>;
export function startRedis(port?: number): Promise<RedisServer>;
