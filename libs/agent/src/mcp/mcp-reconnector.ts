import { backoffDelay, systemTimers, type BackoffOptions, type Timers } from './reconnect-backoff.js';
import type { McpServerStatus } from './mcp-server-status.js';

/** How an MCP client reconnects after losing its server: the backoff and when to give up. */
export interface ReconnectOptions extends BackoffOptions {
  /** Attempts after a loss before giving up (state `failed`); @default Infinity (a server that comes back is always found) */
  maxReconnectAttempts?: number;
  /** How long a reopened session must stay up before the next loss starts again from the first wait; @default 30000 ms */
  stableAfterMs?: number;
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
  /** Until it fires, a reopened session is on probation: losing it goes on with the backoff it had. */
  private probation?: unknown;

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
    // A server that handshakes and then crashes is not back: its respawns keep slowing down.
    if (this.probation !== undefined) this.timers.clearTimeout(this.probation);
    else this.attempt = 0;
    this.probation = undefined;
    this.schedule();
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  /** Stops reconnecting for good (shutdown). */
  close(): void {
    this.state = 'closed';
    for (const handle of [this.timer, this.probation]) if (handle !== undefined) this.timers.clearTimeout(handle);
    this.timer = this.probation = undefined;
  }

  private schedule(): void {
    if (this.attempt >= (this.options.maxReconnectAttempts ?? Infinity)) {
      this.state = 'failed';
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.options, this.options.random);
    this.timer = this.timers.setTimeout(() => void this.tryOnce(), delay);
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
    this.reconnects++;
    this.probation = this.timers.setTimeout(() => {
      this.probation = undefined;
      this.attempt = 0;
    }, this.options.stableAfterMs ?? 30_000);
  }
}
