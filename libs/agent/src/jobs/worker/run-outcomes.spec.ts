import { describe, expect, it } from '@jest/globals';
import { CircuitOpenError, ProviderError } from '@agentnest/providers';
import { markContinuationUsed } from '../../errors/continuation-used.js';
import { failureOutcome } from './run-outcomes.js';

const ctx = { aborted: false, attemptsMade: 0, attempts: 3 };

describe('failureOutcome', () => {
  it('retries a retryable provider error and waits out an outage, keeping the run queued', () => {
    expect(failureOutcome(new ProviderError('server', 'openai', 'upstream 500', 500), ctx)).toMatchObject({ status: 'queued', next: { kind: 'retry' } });
    expect(failureOutcome(new CircuitOpenError('openai', 1_000), ctx)).toMatchObject({ status: 'queued', next: { kind: 'wait' } });
  });

  it('fails, neither retrying nor waiting, a continuation that failed after one of its tools started (the tool could run twice)', () => {
    for (const err of [new ProviderError('server', 'openai', 'upstream 500', 500), new CircuitOpenError('openai', 1_000)]) {
      expect(failureOutcome(markContinuationUsed(err), ctx)).toMatchObject({ status: 'failed', next: { kind: 'fail' } });
    }
  });
});
