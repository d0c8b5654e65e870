import { backoffDelay, systemTimers, type BackoffOptions, type Timers } from './reconnect-backoff.js';
import type { McpServerStatus } from './mcp-server-status.js';

export interface ReconnectOptions extends BackoffOptions {
  /** Attempts after a loss before giving up (state `failed`); @default Infinity (a server that comes back is always found) */
  maxReconnectAttempts?: number;
}

/**
 * The connection state of one MCP server: connecting → connected → (lost) reconnecting, with a
 * backed-off attempt after each failure → connected again, or failed after maxReconnectAttempts.
 * `open` makes a fresh session (a new process or HTTP session, its tools listed again); what a
 * session is stays with the caller, so this runs with fake timers and no server in tests.
 */
export class McpReconnector {
  private state: McpServerStatus['state'] = 'connecting';
  private attempt = 0;
  private reconnects = 0;
  private timer?: unknown;

  constructor(
    private readonly server: string,
    private readonly open: () => Promise<void>,
    private readonly options: ReconnectOptions & { timers?: Timers; random?: () => number } = {},
  ) {}

  status(): McpServerStatus {
    const { server, reconnects, attempt } = this;
    switch (this.state) {
      case 'reconnecting':
      case 'failed':
        return { server, state: this.state, attempt, reconnects };
      default:
        return { server, state: this.state, reconnects };
    }
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** The first session is open (the boot connect, which fails boot rather than retrying). */
  opened(): void {
    if (this.state === 'connecting') this.state = 'connected';
  }

  /** The session was lost (process exited, stream closed, transport error): reconnecting starts, once. */
  lost(): void {
    if (this.state !== 'connected') return;
    this.state = 'reconnecting';
    this.attempt = 0;
    this.schedule();
  }

  /** Stops reconnecting for good (shutdown). */
  close(): void {
    this.state = 'closed';
    if (this.timer !== undefined) (this.options.timers ?? systemTimers).clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.attempt >= (this.options.maxReconnectAttempts ?? Infinity)) {
      this.state = 'failed';
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.options, this.options.random);
    this.timer = (this.options.timers ?? systemTimers).setTimeout(() => void this.tryOnce(), delay);
  }

  private async tryOnce(): Promise<void> {
    this.timer = undefined;
    if (this.state !== 'reconnecting') return;
    let ok = true;
    try {
      await this.open();
    } catch {
      ok = false;
    }
    // Closed while the attempt ran: the caller closes what `open` made.
    if (this.state !== 'reconnecting') return;
    if (!ok) return this.schedule();
    this.state = 'connected';
    this.attempt = 0;
    this.reconnects++;
  }
}
