import type { MaybePromise } from '../maybe-promise.js';
import type { CircuitStateName } from './provider-event.js';

/** The thresholds a {@link CircuitStateStore} applies, resolved from {@link CircuitBreakerOptions}. */
export interface CircuitConfig {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit fails fast before a probe; also how long a probe holds its lease. */
  cooldownMs: number;
  /** Successful probes that close it again. */
  halfOpenSuccesses: number;
}

/** A change of circuit state, reported so the breaker can emit a `breaker` event. */
export interface CircuitTransition {
  from: CircuitStateName;
  to: CircuitStateName;
}

/** The answer to {@link CircuitStateStore.acquire}. */
export interface CircuitDecision {
  /** Whether the call may go ahead; when not, the breaker throws CircuitOpenError. */
  allowed: boolean;
  /** The circuit's state after this decision. */
  state: CircuitStateName;
  /** When not allowed: how long until a call may be tried. */
  retryAfterMs: number;
  transition?: CircuitTransition;
}

/** The answer to {@link CircuitStateStore.record}. */
export interface CircuitOutcome {
  /** The circuit's state after recording the call. */
  state: CircuitStateName;
  transition?: CircuitTransition;
}

/**
 * Where breaker state lives. Every implementation runs the same machine, atomically per key:
 * closed --(failureThreshold consecutive failures)--> open --(cooldown)--> half_open, one probe at a
 * time --(halfOpenSuccesses successes)--> closed, or --(a failure)--> open again.
 */
export interface CircuitStateStore {
  /** May a call go ahead now? Moves open to half_open once the cooldown has passed and leases the probe. A store in this process may answer at once. */
  acquire(key: string, config: CircuitConfig): MaybePromise<CircuitDecision>;
  /** Records how an allowed call ended. A store in this process may answer at once. */
  record(key: string, success: boolean, config: CircuitConfig): MaybePromise<CircuitOutcome>;
  /** The circuit's current state, `closed` for one never seen (e.g. for a health check or a test). */
  state(key: string): Promise<CircuitStateName>;
}

interface Circuit {
  state: CircuitStateName;
  failures: number;
  successes: number;
  openedAt: number;
  probeUntil: number;
}

/** Breaker state in this process only (the default); use RedisCircuitState to share it across instances. */
export class InMemoryCircuitState implements CircuitStateStore {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly now: () => number = Date.now) {}

  private get(key: string): Circuit {
    let c = this.circuits.get(key);
    if (!c) this.circuits.set(key, (c = { state: 'closed', failures: 0, successes: 0, openedAt: 0, probeUntil: 0 }));
    return c;
  }

  // Answered at once, not async: every model call asks before and reports after.
  acquire(key: string, config: CircuitConfig): CircuitDecision {
    const c = this.get(key);
    const now = this.now();
    if (c.state === 'closed') return { allowed: true, state: 'closed', retryAfterMs: 0 };
    if (c.state === 'open') {
      const reopenAt = c.openedAt + config.cooldownMs;
      if (now < reopenAt) return { allowed: false, state: 'open', retryAfterMs: reopenAt - now };
      Object.assign(c, { state: 'half_open', successes: 0, probeUntil: now + config.cooldownMs });
      return { allowed: true, state: 'half_open', retryAfterMs: 0, transition: { from: 'open', to: 'half_open' } };
    }
    if (now < c.probeUntil) return { allowed: false, state: 'half_open', retryAfterMs: c.probeUntil - now };
    c.probeUntil = now + config.cooldownMs;
    return { allowed: true, state: 'half_open', retryAfterMs: 0 };
  }

  record(key: string, success: boolean, config: CircuitConfig): CircuitOutcome {
    const c = this.get(key);
    const now = this.now();
    const from = c.state;
    if (c.state === 'closed') {
      c.failures = success ? 0 : c.failures + 1;
      if (c.failures >= config.failureThreshold) Object.assign(c, { state: 'open', openedAt: now, failures: 0 });
    } else if (c.state === 'half_open') {
      if (!success) Object.assign(c, { state: 'open', openedAt: now, probeUntil: 0 });
      else {
        c.successes++;
        c.probeUntil = 0;
        if (c.successes >= config.halfOpenSuccesses) Object.assign(c, { state: 'closed', failures: 0, successes: 0 });
      }
    }
    return c.state === from ? { state: c.state } : { state: c.state, transition: { from, to: c.state } };
  }

  async state(key: string): Promise<CircuitStateName> {
    return this.get(key).state;
  }
}
