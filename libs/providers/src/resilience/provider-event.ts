/** A decision a resilience wrapper took during a call; the agent turns each into a run event. */
export type ProviderEvent =
  | { type: 'retry'; provider: string; attempt: number; delayMs: number; code: string }
  | { type: 'fallback'; from: string; to: string; code: string }
  | { type: 'breaker'; provider: string; from: CircuitStateName; to: CircuitStateName }
  | { type: 'rate_limited'; provider: string; key: string; waitMs: number; action: 'wait' | 'reject' };

/** A circuit breaker's state: `closed` lets calls through, `open` fails them fast, `half_open` lets one probe through. */
export type CircuitStateName = 'closed' | 'open' | 'half_open';

/** Delivers an event to the caller's listener; a listener that throws never breaks the call. */
export function notify(listener: ((e: ProviderEvent) => void) | undefined, event: ProviderEvent): void {
  try {
    listener?.(event);
  } catch {
    // Observability must not change the outcome of a model call.
  }
}
