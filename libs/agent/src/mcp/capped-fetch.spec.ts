import { describe, expect, it } from '@jest/globals';
import { cappedFetch } from './capped-fetch.js';
import { RESULT_TOO_LARGE } from './synthetic-response.js';

const call = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 't' } });
const list = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
const cancelled = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4, reason: 'timed out' } });
/** A server answer streamed in 64 KB chunks (`body` is repeated forever when `endless`), counting what the client pulled. */
function answer(body: string, type: string, endless = false, pace = 0) {
  const bytes = new TextEncoder().encode(body);
  const pulled = { bytes: 0, cancelled: false };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pace) await new Promise((r) => setTimeout(r, pace));
      if (pulled.cancelled) return;
      if (at >= bytes.length && endless) at = 0;
      if (at >= bytes.length) return controller.close();
      const chunk = bytes.subarray(at, at + 65_536);
      at += chunk.length;
      pulled.bytes += chunk.length;
      controller.enqueue(chunk);
    },
    cancel: () => void (pulled.cancelled = true),
  });
  return { response: new Response(stream, { headers: { 'content-type': type, 'content-length': String(bytes.length) } }), pulled };
}

describe('cappedFetch', () => {
  const result = (n: number) => JSON.stringify({ result: { content: [{ type: 'text', text: 'x'.repeat(n) }] }, jsonrpc: '2.0', id: 4 });

  it('answers a JSON answer over the limit with an error for its request, after reading little more than the limit', async () => {
    const big = answer(result(10 * 1024 * 1024), 'application/json');
    const res = await cappedFetch(1_000, 4_000, async () => big.response)('http://x', { method: 'POST', body: call });
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 4, error: { code: RESULT_TOO_LARGE, message: 'the answer has more than 1000 bytes' } });
    expect(big.pulled.bytes).toBeLessThan(200_000);
    expect(res.headers.get('content-length')).toBeNull();
  });

  it('passes whole events and replaces one over the limit with an error for its request, then reads no more; listings get their own limit', async () => {
    const events = `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\nevent: message\ndata: ${result(50_000)}\n\ndata: after\n\n`;
    const res = await cappedFetch(1_000, 4_000, async () => answer(events, 'text/event-stream').response)('http://x', { method: 'POST', body: call });
    const text = await res.text();
    expect(text).toBe(`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\nevent: message\ndata: {"jsonrpc":"2.0","id":4,"error":{"code":${RESULT_TOO_LARGE},"message":"the answer has more than 1000 bytes"}}\n\n`);
    const listing = await cappedFetch(1_000, 4_000, async () => answer(result(2_000), 'application/json').response)('http://x', { method: 'POST', body: list });
    expect((await listing.json()).result.content[0].text).toHaveLength(2_000);
  });

  it('counts every line of an event: a message split over many small data lines is refused at the limit, not buffered whole', async () => {
    const item = JSON.stringify({ type: 'text', text: 'x'.repeat(1_000) });
    const split = `data: {"jsonrpc":"2.0","id":4,"result":{"content":[\n${`data: ${item},\n`.repeat(40_000)}data: ]}}\n\n`;
    const big = answer(split, 'text/event-stream');
    const res = await cappedFetch(256 * 1024, 4 * 1024 * 1024, async () => big.response)('http://x', { method: 'POST', body: call });
    expect(await res.text()).toContain(`"error":{"code":${RESULT_TOO_LARGE},"message":"the answer has more than 262144 bytes"}`);
    expect(big.pulled.bytes).toBeLessThanOrEqual(256 * 1024 + 2 * 65_536);
    expect(big.pulled.cancelled).toBe(true);
  });

  it('bounds an event that never ends, on the stream of a request and on the server\'s own stream', async () => {
    const endless = answer(`data: ${'y'.repeat(16 * 1024)}\n`, 'text/event-stream', true);
    const res = await cappedFetch(100_000, 400_000, async () => endless.response)('http://x', { method: 'POST', body: call });
    expect(await res.text()).toContain(`"code":${RESULT_TOO_LARGE}`);
    expect(endless.pulled.bytes).toBeLessThanOrEqual(100_000 + 2 * 65_536);
    // No request to answer (the GET stream): the event is dropped as it streams, whatever its length.
    const unowned = answer(`data: ${'y'.repeat(16 * 1024)}\n`.repeat(100) + '\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n', 'text/event-stream');
    const stream = await cappedFetch(100_000, 400_000, async () => unowned.response)('http://x', { method: 'GET' });
    expect(await stream.text()).toBe('data: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n');
  });

  it('stops reading the answer of a request the SDK cancelled (timeout, abort)', async () => {
    const slow = answer(`data: ${'y'.repeat(100)}\n`, 'text/event-stream', true, 1);
    const fetch = cappedFetch(1_000_000_000, 1_000_000_000, async (_input, init) => (init?.body === call ? slow.response : new Response(null, { status: 202 })));
    const res = await fetch('http://x', { method: 'POST', body: call });
    const reading = res.text();
    await new Promise((r) => setTimeout(r, 20));
    await fetch('http://x', { method: 'POST', body: cancelled });
    await expect(reading).rejects.toThrow('the request was cancelled');
    expect(slow.pulled.cancelled).toBe(true);
    const pulled = slow.pulled.bytes;
    await new Promise((r) => setTimeout(r, 20));
    expect(slow.pulled.bytes).toBe(pulled);
  });
});
