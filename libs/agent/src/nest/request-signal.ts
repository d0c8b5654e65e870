import type { ServerResponse } from 'node:http';

/** Aborts when the client goes away before the response is finished, so an abandoned run or stream stops spending. */
export function requestSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}
