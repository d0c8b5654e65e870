import type { AgentEvent, Recorder } from './agent-event.js';

/** Receives each new status line, with the event that caused it. */
export type StatusListener = (status: string, event: AgentEvent) => void;

/** Turns events into a one-line status for typing indicators and terminal UIs; repeats are not re-sent. */
export class StatusRecorder implements Recorder {
  private last: string | undefined;

  constructor(private readonly onStatus: StatusListener) {}

  /** Sends the event's status to the listener when it differs from the last one sent. */
  onEvent(event: AgentEvent): void {
    const status = StatusRecorder.statusOf(event);
    if (status === undefined || status === this.last) return;
    this.last = status;
    this.onStatus(status, event);
  }

  /** The status line an event stands for (`Thinking…`, `Running search…`), or undefined when it changes nothing. */
  static statusOf(event: AgentEvent): string | undefined {
    switch (event.type) {
      case 'run.start':
      case 'llm.request':
        return 'Thinking…';
      case 'resume':
        return 'Resuming…';
      case 'tool.start':
        return `Running ${event.tool}…`;
      case 'pause':
        return 'Waiting for input…';
      case 'run.end':
        return event.status === 'completed' ? 'Done' : undefined;
      case 'run.error':
        return 'Failed';
      default:
        return undefined;
    }
  }
}
