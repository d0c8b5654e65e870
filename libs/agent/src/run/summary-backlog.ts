import { createHash } from 'node:crypto';
import type { LLMMessage } from '@agentnest/providers';
import type { MemoryIdentity, MemoryStore } from '@agentnest/memory';

/** Messages per page read back through the conversation, older than the loaded history, looking for where the summary stopped. */
const SUMMARY_PAGE = 500;
/**
 * @default 10,000 messages older than the loaded history read at most per run to find where the
 * summary stopped (or the conversation's start): older ones are out of reach and never summarised.
 */
export const SUMMARY_LOOKBACK = 10_000;

const hash = (pair: string): string => createHash('sha256').update(pair).digest('base64url');

/**
 * Identifies the message at `i` by itself and the one after it, so the next run finds where the
 * summary stopped. (The same text as JSON.stringify([m, next ?? null]), which earlier summaries used.)
 */
export const fingerprint = (messages: LLMMessage[], i: number): string => hash(`[${JSON.stringify(messages[i])},${messages[i + 1] === undefined ? 'null' : JSON.stringify(messages[i + 1])}]`);

/**
 * The index of the newest of `messages[start..end)` where the summary stopped (`messages[end]`, if
 * any, follows the last), or -1. A summary that took in every loaded message (the window kept none)
 * was marked with nothing after its last: the message alone matches too, or that summary would not
 * be found once the conversation went on, and all of it would be summarised again.
 */
function stopIndex(messages: LLMMessage[], end: number, through: string, start = 0): number {
  let after = messages[end] === undefined ? 'null' : JSON.stringify(messages[end]);
  for (let i = end - 1; i >= start; i--) {
    const self = JSON.stringify(messages[i]);
    if (hash(`[${self},${after}]`) === through || hash(`[${self},null]`) === through) return i;
    after = self;
  }
  return -1;
}

/** The messages the summary does not cover yet that a run may take, oldest first. */
export interface Backlog {
  /** The first `count` are not summarised yet; one more, when there is one, is the message after them (for the fingerprint of the last). */
  messages: LLMMessage[];
  count: number;
  /** Messages not summarised yet within reach in all, `count` of them here (a run takes a bounded share; later runs take the rest). */
  total: number;
}

/**
 * What the summary does not cover of the `dropped` oldest messages of `history` (the newest messages
 * of the conversation) and of the older messages before them, at most `take` of them, oldest first.
 * Undefined when it covers them all, or when the conversation moved while it was being read (the
 * next run takes it up).
 *
 * Where the summary stopped is usually in view. When it is not (the conversation grew by more than
 * the loaded history since, or summaries were turned on for a long conversation), older pages are
 * read one at a time until it, or the conversation's start, is found, at most SUMMARY_LOOKBACK
 * messages back; what follows it is then read in one load. Found nowhere within reach, everything
 * within reach counts as not summarised: its messages were trimmed by the store or are out of reach.
 */
export async function findBacklog(memory: MemoryStore, identity: MemoryIdentity, history: LLMMessage[], dropped: number, through: string | undefined, take: number): Promise<Backlog | undefined> {
  // Offsets count back from the conversation's newest message (0): history[i] is at history.length - 1 - i.
  const last = history.length - dropped;
  // Usually just before the window; in it only when the window has grown since (then nothing is new).
  const inView = through ? stopIndex(history, dropped, through) : -1;
  if (inView === dropped - 1 || (inView < 0 && through && stopIndex(history, history.length, through, dropped) >= 0)) return undefined;
  // The oldest message the summary does not cover: right after where it stopped, when that is in view.
  let first = history.length - 2 - inView;
  // The message just before the backlog (where the summary stopped), or its first (the oldest within reach), as read while looking.
  let anchor: { message: LLMMessage; offset: number } | undefined;
  let found = false;
  if (inView < 0) {
    let read = 0;
    while (read < SUMMARY_LOOKBACK) {
      const limit = Math.min(SUMMARY_PAGE, SUMMARY_LOOKBACK - read);
      const page = (await memory.load(identity, { limit, offset: history.length + read })) as LLMMessage[];
      // The page's newest message is followed by the oldest one read before it.
      const at = through ? stopIndex([...page, anchor?.message ?? history[0]], page.length, through) : -1;
      if (at >= 0) {
        anchor = { message: page[at], offset: history.length + read + page.length - 1 - at };
        found = true;
        break;
      }
      read += page.length;
      if (page.length) anchor = { message: page[0], offset: history.length + read - 1 };
      if (page.length < limit) break;
    }
    // Found, the backlog starts after it; not, at the oldest message within reach.
    first = found ? anchor!.offset - 1 : history.length + read - 1;
  }
  const total = first - last + 1;
  const count = Math.min(take, total);
  if (first < history.length) {
    const from = history.length - 1 - first;
    return { messages: history.slice(from, from + count + 1), count, total };
  }
  // What follows, up to the share taken and the message after it, in one load from the anchor on.
  const low = Math.max(0, first - count);
  const loaded = (await memory.load(identity, { offset: low, limit: anchor!.offset - low + 1 })) as LLMMessage[];
  // Messages appended since it was found moved every offset: the next run takes it up.
  if (JSON.stringify(loaded[0]) !== JSON.stringify(anchor!.message)) return undefined;
  return { messages: found ? loaded.slice(1) : loaded, count, total };
}
