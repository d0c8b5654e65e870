import { describe, expect, it } from '@jest/globals';
import { cappedFetch } from './capped-fetch.js';
import { RESULT_TOO_LARGE } from './synthetic-response.js';

const call = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 't' } });
const list = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
/** A server answer streamed in 64 KB chunks, counting what the client pulled. */
function answer(body: string, type: string) {
  const bytes = new TextEncoder().encode(body);
  const pulled = { bytes: 0 };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const chunk = bytes.subarray(at, at + 65_536);
      at += chunk.length;
      pulled.bytes += chunk.length;
      controller.enqueue(chunk);
    },
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

  it('replaces an event over the limit and passes the others, and gives listings their own limit', async () => {
    const events = `event: message\ndata: ${result(50_000)}\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n`;
    const res = await cappedFetch(1_000, 4_000, async () => answer(events, 'text/event-stream').response)('http://x', { method: 'POST', body: call });
    const text = await res.text();
    expect(text).toContain(`data: {"jsonrpc":"2.0","id":4,"error":{"code":${RESULT_TOO_LARGE}`);
    expect(text).toContain('notifications/tools/list_changed');
    expect(text.length).toBeLessThan(1_000);
    const listing = await cappedFetch(1_000, 4_000, async () => answer(result(2_000), 'application/json').response)('http://x', { method: 'POST', body: list });
    expect((await listing.json()).result.content[0].text).toHaveLength(2_000);
  });
});
