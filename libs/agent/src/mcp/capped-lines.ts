/** What a CappedLines reader yields: a whole line, or the ends of one it refused to hold. */
export type LineOutcome = { line: string } | { oversized: { bytes: number; head: string; tail: string; cut?: boolean } };

/** Bytes kept of each end of a discarded line: enough for a JSON-RPC id, never the content. */
const ENDS = 256;

// Where a message begins, as servers write one: a discarded line that one begins inside was cut
// short (a server wrote an answer without ending what it wrote before, e.g. for a call given up on).
const STARTS = ['{"jsonrpc"', '{"result"'].map((s) => Buffer.from(s));

/**
 * Splits a byte stream into newline-delimited lines, never holding more than `limit()` bytes of
 * one: a longer line is discarded as it streams in (only its first and last ENDS bytes are kept,
 * to tell whose answer it was) and reported as oversized when its newline arrives. The SDK's own
 * reader holds up to 10 MB and then closes the connection, for every caller of the server.
 */
export class CappedLines {
  private chunks: Buffer[] = [];
  private held = 0;
  private discarding?: { bytes: number; head: Buffer; tail: Buffer };
  /** Discarded lines that a message began inside, reported before the line it began. */
  private cut: Array<{ bytes: number; head: string; tail: string; cut: true }> = [];

  /** With `resync`, a message that begins inside a discarded line is kept (stdio, where a line is a message). */
  constructor(
    private readonly limit: () => number,
    private readonly resync = false,
  ) {}

  /** Takes a chunk; returns the lines it completed. */
  push(chunk: Buffer): LineOutcome[] {
    const out: LineOutcome[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      this.take(piece);
      if (newline === -1) break;
      out.push(...this.cut.splice(0).map((oversized) => ({ oversized })), this.finish());
      start = newline + 1;
    }
    return out;
  }

  private take(piece: Buffer): void {
    if (!piece.length) return;
    if (this.discarding) {
      this.discard(piece);
      return;
    }
    if (this.held + piece.length <= this.limit()) {
      this.chunks.push(piece);
      this.held += piece.length;
      return;
    }
    // Over the limit: keep the ends, drop what was held.
    const held = Buffer.concat(this.chunks);
    this.chunks = [];
    this.held = 0;
    this.discarding = { bytes: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0) };
    this.discard(held);
    this.discard(piece);
  }

  private discard(piece: Buffer): void {
    const d = this.discarding!;
    // A message beginning after the discarded line's first byte is kept (up to the limit), so the
    // next caller's answer is not lost with the tail of a line that never ended. Honest limit: a
    // beginning split across two reads is not seen.
    const from = d.bytes === 0 ? 1 : 0;
    const at = this.resync ? Math.min(...STARTS.map((start) => piece.indexOf(start, from)).filter((i) => i !== -1)) : Infinity;
    if (at !== Infinity) {
      this.keepEnds(d, piece.subarray(0, at));
      this.cut.push({ bytes: d.bytes, head: d.head.toString('utf8'), tail: d.tail.toString('utf8'), cut: true });
      this.discarding = undefined;
      this.take(piece.subarray(at));
      return;
    }
    this.keepEnds(d, piece);
  }

  private keepEnds(d: { bytes: number; head: Buffer; tail: Buffer }, piece: Buffer): void {
    d.bytes += piece.length;
    if (d.head.length < ENDS) d.head = Buffer.concat([d.head, piece.subarray(0, ENDS - d.head.length)]);
    d.tail = Buffer.concat([d.tail, piece.subarray(Math.max(0, piece.length - ENDS))]);
    if (d.tail.length > ENDS) d.tail = d.tail.subarray(d.tail.length - ENDS);
  }

  private finish(): LineOutcome {
    const d = this.discarding;
    if (d) {
      this.discarding = undefined;
      return { oversized: { bytes: d.bytes, head: d.head.toString('utf8'), tail: d.tail.toString('utf8') } };
    }
    const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.held = 0;
    return { line };
  }

  clear(): void {
    this.cut = [];
    this.chunks = [];
    this.held = 0;
    this.discarding = undefined;
  }
}
