import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../apps/api/src/create-app.js';
import { eventually } from './eventually.js';

export const SECRET = 'e2e-checkpoint-secret-0123456789abcdef';
export const KEYS = {
  acmeAlice: 'key-acme-alice',
  acmeBob: 'key-acme-bob',
  globexAlice: 'key-globex-alice',
};
export const API_KEYS = `${KEYS.acmeAlice}=acme/alice,${KEYS.acmeBob}=acme/bob,${KEYS.globexAlice}=globex/alice`;

export interface Api {
  app: INestApplication;
  http: TestAgent;
  close(): Promise<void>;
}

/** Boots the reference service in-process on its real HTTP stack (no port), as `npm start` builds it. */
export async function startApi(env: Record<string, string | undefined> = { API_KEYS, CHECKPOINT_SECRET: SECRET, NODE_ENV: 'test' }): Promise<Api> {
  const { app } = await createApp(env, false);
  await app.init();
  return { app, http: request(app.getHttpServer()), close: () => app.close() };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A fresh database owned by the service's role, so a suite never shares tables with another running in parallel. */
export async function createDatabase(): Promise<string> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: process.env.DATABASE_ADMIN_URL });
  await admin.connect();
  const name = `agentnest_${Math.random().toString(36).slice(2, 10)}`;
  await admin.query(`CREATE DATABASE ${name} OWNER agentnest`);
  await admin.end();
  return process.env.DATABASE_URL!.replace(/\/[^/]+$/, `/${name}`);
}

/** A queued run once it has stopped moving (paused or finished), as its owner reads it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a run record as JSON, read by each test
export function runSettled(api: Api, runId: string, key = KEYS.acmeAlice, timeoutMs = 10_000): Promise<{ status: string; [k: string]: any }> {
  return eventually(
    `run ${runId} to settle`,
    async () => {
      const res = await api.http.get(`/v1/runs/${runId}`).set(bearer(key));
      return ['completed', 'failed', 'paused', 'cancelled', 'budget_exceeded', 'blocked'].includes(res.body.status) ? res.body : undefined;
    },
    { timeoutMs },
  );
}

/** Parses a text/event-stream body into events. */
export function parseSse(text: string): Array<{ id: string; type: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
      return { id: field('id'), type: field('event'), data: JSON.parse(field('data')) as Record<string, unknown> };
    });
}

/** Every key and value in Redis that contains `needle`, as "key: content". */
export async function redisHolding(redis: Redis, needle: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const content =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, '0', '-1'))
        : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
        : '';
      if (key.includes(needle) || content?.includes(needle)) found.push(`${key}: ${content}`);
    }
  } while (cursor !== '0');
  return found;
}
