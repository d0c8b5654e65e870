import { TooManyStreamsError } from '../../errors/agent.errors.js';

/** @default live streams one tenant may hold open in one process */
export const DEFAULT_MAX_STREAMS_PER_TENANT = 20;

/** Live event streams per tenant in this process: each takes a slot until it ends. */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number = DEFAULT_MAX_STREAMS_PER_TENANT) {}

  /** Takes one of the tenant's slots (TooManyStreamsError when all are taken); the returned function frees it, once. */
  take(tenant: string | undefined): () => void {
    const key = tenant ?? '';
    const open = this.open.get(key) ?? 0;
    if (open >= this.max) throw new TooManyStreamsError(this.max);
    this.open.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }
}
