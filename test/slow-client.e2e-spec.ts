import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../apps/api/src/create-app.js';
import { API_KEYS, KEYS, SECRET } from './harness.js';

// A client that sends its body a byte at a time never goes idle, so socket idle timeouts never fire:
// the body has a deadline of its own (BODY_TIMEOUT_MS), short here.
describe('a request body that trickles in', () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app } = await createApp({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, BODY_TIMEOUT_MS: '300' }, false));
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  it('is answered 408 request_timeout at its deadline and its socket closed, while a prompt request is served', async () => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /v1/agents/assistant/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.acmeAlice}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"message":"`);
    // One byte every 50 ms, for at most 400 bytes: far past the deadline, far short of the body.
    const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('x')), 50);
    const stop = setTimeout(() => clearInterval(drip), 20_000);
    await closed;
    clearInterval(drip);
    clearTimeout(stop);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');

    const res = await fetch(`http://127.0.0.1:${port}/v1/agents/assistant/runs`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.acmeAlice}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) });
    expect(res.status).toBe(200);
  });
});
