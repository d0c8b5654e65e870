import type { StreamEvent } from '../llm-provider.js';

/**
 * Streams `source`, reporting through `started` whether anything was yielded yet: retry and
 * fallback may only replace a stream that has not shown the caller a single chunk.
 */
export async function* tracked(source: AsyncIterable<StreamEvent>, started: { value: boolean }): AsyncIterable<StreamEvent> {
  for await (const event of source) {
    started.value = true;
    yield event;
  }
}
