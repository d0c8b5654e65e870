import { AgentConfigError } from '../errors/agent.errors.js';
import { pass, trip, type Guardrail } from './guardrail.js';

/** Size limits of one message; a limit left out is not checked. */
export interface InputLimits {
  /** Most characters a message may have. */
  chars?: number;
  /** Most tokens a message may have, estimated at 4 characters a token. */
  tokens?: number;
}

/** maxInput's limits: the same for everyone, or per tenant. */
export interface MaxInputOptions extends InputLimits {
  /** Limits of particular tenants, instead of the ones above. */
  tenants?: Record<string, InputLimits>;
  /** Names it in events and results; @default 'max-input' */
  name?: string;
}

const checkLimits = (where: string, l: InputLimits) => {
  for (const [k, v] of Object.entries(l)) if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new AgentConfigError(`${where}: ${k} must be a positive integer`);
};

/** Trips on a message over its tenant's size or token estimate, before any model call is made. */
export function maxInput(options: MaxInputOptions): Guardrail {
  const { tenants = {}, name = 'max-input', ...defaults } = options;
  checkLimits('maxInput', defaults);
  for (const [tenant, limits] of Object.entries(tenants)) checkLimits(`maxInput for tenant ${tenant}`, limits);
  return {
    name,
    mode: 'before',
    check: ({ text, identity }) => {
      const limits = (identity.tenant !== undefined && Object.hasOwn(tenants, identity.tenant) ? tenants[identity.tenant] : undefined) ?? defaults;
      if (limits.chars !== undefined && text.length > limits.chars) return trip(`the message has ${text.length} characters; at most ${limits.chars} are allowed`);
      const tokens = Math.ceil(text.length / 4);
      if (limits.tokens !== undefined && tokens > limits.tokens) return trip(`the message is about ${tokens} tokens; at most ${limits.tokens} are allowed`);
      return pass();
    },
  };
}
