import { afterEach, describe, expect, it } from '@jest/globals';
import { CappedStdioTransport } from './capped-stdio-transport.js';
import { until } from '../../../../test/eventually.js';

// A server that answers its first call with 1 MB and no newline (a line that never ends), and every
// later call properly: the later answer arrives glued to the end of that line.
const server = `
let calls = 0;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, method } = JSON.parse(line);
  if (method !== 'tools/call') return;
  if (calls++ === 0) return void process.stdout.write('z'.repeat(1024 * 1024));
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'pong' }] } }) + '\\n');
});`;

describe('CappedStdioTransport', () => {
  let transport: CappedStdioTransport | undefined;
  afterEach(() => transport?.close());

  it('answers the next call after one whose line never ended was given up on, not with the tail of that line', async () => {
    const messages: Array<Record<string, unknown>> = [];
    transport = new CappedStdioTransport({ command: process.execPath, args: ['-e', server], maxResultBytes: 64 * 1024, maxListBytes: 64 * 1024, parse: (line) => JSON.parse(line) });
    transport.onmessage = (m) => messages.push(m);
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'noline' } });
    // The child writes its 1 MB before it reads call 2, so the bytes on the pipe come in the same order
    // whatever the timing; the pause stands for a client's timeout and decides no outcome.
    await new Promise((r) => setTimeout(r, 300));
    // The client gave up on call 1 (its timeout): it cancels it, then another caller's call goes out.
    await transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    await transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping' } });
    await until('the answer to call 2', () => messages.length > 0, { timeoutMs: 5_000 });
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'pong' }] } }]);
  }, 10_000);
});
