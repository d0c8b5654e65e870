import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../apps/api/src/create-app.js';

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
