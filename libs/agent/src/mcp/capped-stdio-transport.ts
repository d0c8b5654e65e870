import { spawn, type ChildProcess } from 'node:child_process';
import { CappedLines } from './capped-lines.js';
import { answeredId, INVALID_MESSAGE, RESULT_TOO_LARGE, syntheticError, type RequestId } from './synthetic-response.js';

type Message = Record<string, unknown>;

export interface CappedStdioOptions {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** The largest answer to a tools/call, as one JSON-RPC line. */
  maxResultBytes: number;
  /** The largest answer to anything else (initialize, a page of tools/list). */
  maxListBytes: number;
  /** Parses and checks one line as a JSON-RPC message (the SDK's schema); throws if it is not one. */
  parse(line: string): Message;
}

// What a server gets of our environment besides its own `env`: enough to find and run its command.
const INHERITED = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

const grace = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * MCP's stdio transport (a child process, one JSON-RPC message per line) that never holds more of
 * a line than the answer it may be: a tools/call answer over `maxResultBytes` is discarded as it
 * streams in and answered with a RESULT_TOO_LARGE error, and a line that is not JSON-RPC is
 * skipped (or, if it names a pending request, answered with INVALID_MESSAGE); the process and the
 * connection, which every tenant's calls share, stay up in both cases.
 */
export class CappedStdioTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: Message) => void;
  private child?: ChildProcess;
  private closing?: Promise<void>;
  /** Requests sent and not yet answered, by id, with their method (which decides the line limit). */
  private readonly pending = new Map<RequestId, string>();
  private readonly lines = new CappedLines(() => this.limit(), true);

  constructor(private readonly options: CappedStdioOptions) {}

  start(): Promise<void> {
    if (this.child) throw new Error('already started');
    const { command, args, env, cwd } = this.options;
    const inherited = Object.fromEntries(INHERITED.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
    return new Promise((resolve, reject) => {
      // The server's stderr is its log, not ours to print.
      const child = spawn(command, args ?? [], { env: { ...inherited, ...env }, cwd, stdio: ['pipe', 'pipe', 'ignore'], shell: false });
      this.child = child;
      child.once('spawn', () => resolve());
      child.on('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('close', () => {
        if (this.child === child) this.child = undefined;
        this.pending.clear();
        this.lines.clear();
        this.onclose?.();
      });
      child.stdin!.on('error', (err) => this.onerror?.(err));
      child.stdout!.on('error', (err) => this.onerror?.(err));
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
    });
  }

  /** The largest line accepted now: a listing in flight may need more than a tool result. */
  private limit(): number {
    for (const method of this.pending.values()) if (method !== 'tools/call') return Math.max(this.options.maxListBytes, this.options.maxResultBytes);
    return this.options.maxResultBytes;
  }

  private read(chunk: Buffer): void {
    const ids = new Set(this.pending.keys());
    for (const outcome of this.lines.push(chunk)) {
      if ('oversized' in outcome) {
        const { bytes, head, tail, cut } = outcome.oversized;
        // A line cut short by a message is not an answer: it is never pinned on the one pending call.
        const id = answeredId(head, cut ? '' : tail, ids, !cut);
        if (id !== undefined) this.deliver(syntheticError(id, RESULT_TOO_LARGE, `the answer has more than ${this.limit()} bytes`));
        else this.onerror?.(new Error(`MCP server sent a message of ${bytes} bytes, over the limit; it was discarded`));
        continue;
      }
      if (!outcome.line.trim()) continue;
      let message: Message;
      try {
        message = this.options.parse(outcome.line);
      } catch {
        const id = answeredId(outcome.line.slice(0, 256), outcome.line.slice(-256), ids);
        if (id !== undefined) this.deliver(syntheticError(id, INVALID_MESSAGE, 'the answer is not valid JSON-RPC'));
        else this.onerror?.(new Error('MCP server wrote a line that is not JSON-RPC; it was skipped'));
        continue;
      }
      this.deliver(message);
    }
  }

  private deliver(message: Message): void {
    if ('id' in message && ('result' in message || 'error' in message)) this.pending.delete(message.id as RequestId);
    this.onmessage?.(message);
  }

  send(message: Message): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin?.writable) return Promise.reject(new Error('Not connected'));
    if (typeof message.method === 'string' && 'id' in message) this.pending.set(message.id as RequestId, message.method);
    // A request given up on (timeout, abort) is cancelled: its late answer no longer widens the limit.
    if (message.method === 'notifications/cancelled') this.pending.delete((message.params as { requestId?: RequestId } | undefined)?.requestId as RequestId);
    return new Promise((resolve) => {
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends stdin, then asks the process to stop, then kills it: 2 s for each. Every caller waits for the same stop. */
  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.stdin?.end();
      await Promise.race([closed, grace(2_000)]);
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        child.kill(signal);
        await Promise.race([closed, grace(2_000)]);
      }
    }
    this.lines.clear();
  }
}
