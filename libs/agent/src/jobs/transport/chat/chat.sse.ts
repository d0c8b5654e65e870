import type { ServerResponse } from 'node:http';
import { publicError } from '../../../errors/public-error.js';
import type { UiMessageChunk } from './ui-message-chunks.js';

/** The response headers of the AI SDK's UI message stream protocol (version 1). */
export const UI_MESSAGE_STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;

/**
 * Writes UI message chunks as the protocol's SSE, ending with `[DONE]`. A failure once the stream
 * has started is sent as an error chunk (the public code and message), never a torn connection.
 */
export async function sendUiMessageStream(chunks: AsyncIterable<UiMessageChunk>, res: ServerResponse): Promise<void> {
  res.writeHead(200, UI_MESSAGE_STREAM_HEADERS);
  res.flushHeaders();
  try {
    for await (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  } catch (err) {
    const { code, message } = publicError(err);
    res.write(`data: ${JSON.stringify({ type: 'error', errorText: `${code}: ${message}` })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}
