import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../src/app.module.js';

// The user's view: the packages installed from their tarballs, the app built with skipLibCheck off.
let app: INestApplication;
let base: string;
const acme = { 'content-type': 'application/json', 'x-tenant': 'acme', 'x-user': 'alice' };

before(async () => {
  process.env.KEY_PREFIX = `consumer-${randomUUID()}:`;
  process.env.CHECKPOINT_SECRET ??= 'consumer-checkpoint-secret-0123456789abcdef';
  app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

after(async () => {
  await app.close();
  // Every connection the modules opened is closed: nothing keeps the process alive. Sockets that
  // are closing still count for a moment, so wait a little; a leaked Redis client never goes.
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));
  for (let i = 0; i < 100 && sockets().length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(sockets(), []);
});

test('runs an agent with a tool from an injectable, as the tenant the middleware set', async () => {
  const res = await fetch(`${base}/agents/assistant/runs`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'what time is it?', conversationId: 'c1' }) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { reply: 'The time is 12:00 UTC', conversationId: 'c1' });
});

test("runs a feature module's agent through @InjectAgent, with the app's provider, as the caller's tenant", async () => {
  const res = await fetch(`${base}/billing/questions`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'why this charge?' }) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { reply: 'billing says: why this charge?', answeredBy: 'billing' });
  const noTenant = await fetch(`${base}/billing/questions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) });
  assert.equal(noTenant.status, 403);
});

test('answers library errors with their 4xx and stable code', async () => {
  const noTenant = await fetch(`${base}/agents/assistant/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) });
  assert.equal(noTenant.status, 403);
  assert.equal(((await noTenant.json()) as { error: { code: string } }).error.code, 'tenant_required');
  const unknown = await fetch(`${base}/agents/nobody/runs`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'hi' }) });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'agent_not_found');
});

test('answers an unknown run 404 run_not_found, and says when the mock model ran out of replies', async () => {
  const unknown = await fetch(`${base}/runs/no-such-run`, { headers: acme });
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error: { code: 'run_not_found', message: 'no such run' } });
  const first = await fetch(`${base}/agents/scripted/runs`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'hi' }) });
  assert.equal(first.status, 200);
  const second = await fetch(`${base}/agents/scripted/runs`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'hi again' }) });
  assert.equal(second.status, 502);
  const { error } = (await second.json()) as { error: { code: string; message: string } };
  assert.equal(error.code, 'mock_replies_exhausted');
  assert.match(error.message, /call #2 has no scripted reply .*respond\(request\)/);
});

test('queues a job from a controller and follows its events to the end', async () => {
  const queued = await fetch(`${base}/agents/assistant/jobs`, { method: 'POST', headers: acme, body: JSON.stringify({ message: 'time please' }) });
  assert.equal(queued.status, 202);
  const { runId } = (await queued.json()) as { runId: string };
  const events = await fetch(`${base}/runs/${runId}/events`, { headers: acme });
  assert.equal(events.status, 200);
  const text = await events.text();
  assert.match(text, /event: tool\.start/);
  assert.match(text, /"status":"completed","text":"The time is 12:00 UTC"/);
  // Another tenant cannot follow it.
  const foreign = await fetch(`${base}/runs/${runId}/events`, { headers: { 'x-tenant': 'globex', 'x-user': 'alice' } });
  assert.equal(foreign.status, 404);
});
