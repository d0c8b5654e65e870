import type { Response } from 'express';

/** Aborts when the client goes away before the response is sent, so an abandoned run stops spending. */
export function requestSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}
