import type { AgentEvent, Recorder } from './agent-event.js';

export type StatusListener = (status: string, event: AgentEvent) => void;

/** Turns events into a one-line status for typing indicators and terminal UIs; repeats are not re-sent. */
export class StatusRecorder implements Recorder {
  private last: string | undefined;

  constructor(private readonly onStatus: StatusListener) {}

  onEvent(event: AgentEvent): void {
    const status = StatusRecorder.statusOf(event);
    if (status === undefined || status === this.last) return;
    this.last = status;
    this.onStatus(status, event);
  }

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
