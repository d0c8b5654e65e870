import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { API_KEYS, bearer, KEYS, SECRET } from './harness.js';
import { eventually } from './eventually.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

// The compiled service's own log lines: one JSON line per finished request, and nothing a caller sent
// beyond the method and path.
describe('request logs of the compiled service', () => {
  let service: ServiceProcess;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const port = await freePort();
    service = await startServiceProcess({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, LOCAL_REDIS: 'off', LOG_LEVEL: 'info', PORT: String(port) });
    http = request(`http://127.0.0.1:${port}`);
  }, 40_000);
  afterAll(async () => {
    await service?.stop();
  });

  const lines = () =>
    service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one line per finished request with method, path (no query), status and time, at the level its status calls for', async () => {
    await http.post('/v1/agents/assistant/runs?token=in-the-query').set(bearer(KEYS.acmeAlice)).send({ message: 'log this' }).expect(200);
    await http.post('/v1/agents/nobody/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'log this' }).expect(404);
    // Conversation and chat ids are the client's own words: an email address must not outlive its erasure in the logs.
    await http.get('/v1/conversations/jane.doe%40example.com/messages').set(bearer(KEYS.acmeAlice)).expect(200);
    await http.delete('/v1/conversations/jane.doe@example.com').set(bearer(KEYS.acmeAlice)).expect(200);
    await http.get('/v1/agents/assistant/chat/jane.doe-chat/stream').set(bearer(KEYS.acmeAlice));
    // Nor what a client puts in any other segment of a path: a 404 is logged too.
    await http.get('/v1/runs/jane3.logged@example.com').set(bearer(KEYS.acmeAlice)).expect(404);
    await http.get('/nope/4111111111111111').set(bearer(KEYS.acmeAlice)).expect(404);
    await http.get('/docs/jane5.doe.example.com.json').expect(404);
    await http.get('/health').expect(200);
    const requests = await eventually('every request line', async () => {
      const found = lines().filter((l) => l.msg === 'request completed');
      return found.length >= 8 ? found : undefined;
    });
    expect(requests).toEqual([
      expect.objectContaining({ level: 30, req: { method: 'POST', path: '/v1/agents/assistant/runs' }, res: { statusCode: 200 }, responseTime: expect.any(Number) }),
      expect.objectContaining({ level: 40, req: { method: 'POST', path: '/v1/agents/:id/runs' }, res: { statusCode: 404 } }),
      expect.objectContaining({ req: { method: 'GET', path: '/v1/conversations/:conversationId/messages' } }),
      expect.objectContaining({ req: { method: 'DELETE', path: '/v1/conversations/:conversationId' } }),
      // A 404 keeps no agent name either: it may be none of ours.
      expect.objectContaining({ req: { method: 'GET', path: '/v1/agents/:id/chat/:chatId/stream' }, res: { statusCode: 404 } }),
      expect.objectContaining({ req: { method: 'GET', path: '/v1/runs/:id' }, res: { statusCode: 404 } }),
      expect.objectContaining({ req: { method: 'GET', path: '/:id/:id' }, res: { statusCode: 404 } }),
      expect.objectContaining({ req: { method: 'GET', path: '/docs/:id' }, res: { statusCode: 404 } }),
    ]);
    // Health probes are not logged; neither the key, the query nor the message reach the output.
    expect(JSON.stringify(requests)).not.toContain('/health');
    const out = service.output();
    for (const secret of [KEYS.acmeAlice, 'in-the-query', 'log this', 'jane.doe', 'jane3', 'jane5', '4111111111111111', 'nobody']) expect(out).not.toContain(secret);
    // Nest's own lines (the routes it mapped) are JSON lines with their context.
    expect(lines()).toContainEqual(expect.objectContaining({ context: 'NestApplication', msg: 'Nest application successfully started' }));
  });
});
