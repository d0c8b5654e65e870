import { AgentConfigError, maxInput, pass, piiRedaction, toolResultGuard, type Guardrail, type GuardrailOptions, type GuardrailStage, type InputLimits, type PiiRedactionOptions } from '@agentnest/agent';
import { ConfigError } from './config.error.js';

/** One tenant's guardrails (or everyone's); `false` turns one off. */
interface GuardrailSettings {
  /** PII redaction, on the stages listed in `on` (@default ['input']). */
  pii?: (PiiRedactionOptions & { on?: GuardrailStage[] }) | false;
  maxInput?: InputLimits | false;
  /** The tool-result injection guard. */
  toolResults?: 'mark' | 'strip' | false;
}

interface GuardrailsConfig extends GuardrailSettings {
  /** Settings of particular tenants, over the ones above. */
  tenants?: Record<string, GuardrailSettings>;
  storeBlocked?: boolean;
}

/**
 * Without GUARDRAILS: personal data is redacted from messages and from tool results (MCP servers'
 * included: the model and memory see both), and tool results that read like instructions are fenced.
 */
const DEFAULT: GuardrailsConfig = { pii: { on: ['input', 'tool'] }, toolResults: 'mark' };
const SETTINGS = new Set(['pii', 'maxInput', 'toolResults']);
const STAGES = new Set<GuardrailStage>(['input', 'output', 'tool']);

type Built = Record<GuardrailStage, Map<string, Guardrail>>;

/** One tenant's guardrails by stage and name, checked (bad settings fail boot naming GUARDRAILS). */
function build(settings: GuardrailSettings, where: string): Built {
  const built: Built = { input: new Map(), output: new Map(), tool: new Map() };
  for (const key of Object.keys(settings)) if (!SETTINGS.has(key)) throw new ConfigError('GUARDRAILS', `${where}: unknown setting "${key}" (pii, maxInput, toolResults)`);
  try {
    if (settings.maxInput) built.input.set('max-input', maxInput(settings.maxInput));
    if (settings.pii) {
      const { on = ['input'], ...pii } = settings.pii;
      if (!Array.isArray(on) || on.some((s) => !STAGES.has(s))) throw new ConfigError('GUARDRAILS', `${where}: pii.on lists stages among input, output, tool`);
      const guard = piiRedaction(pii);
      for (const stage of on) built[stage].set(guard.name, guard);
    }
    if (settings.toolResults) {
      if (settings.toolResults !== 'mark' && settings.toolResults !== 'strip') throw new ConfigError('GUARDRAILS', `${where}: toolResults is mark, strip or false`);
      const guard = toolResultGuard({ mode: settings.toolResults });
      built.tool.set(guard.name, guard);
    }
  } catch (err) {
    if (err instanceof AgentConfigError) throw new ConfigError('GUARDRAILS', `${where}: ${err.message}`);
    throw err;
  }
  return built;
}

/**
 * GUARDRAILS: the service's guardrails as JSON, for every tenant and per tenant
 * (`{"pii": {...}, "maxInput": {"chars": 8000}, "toolResults": "mark", "tenants": {"acme": {"pii": false}}}`);
 * `off` turns them all off. Each guardrail picks the caller's tenant's settings at run time.
 */
export function loadGuardrails(raw: string | undefined): GuardrailOptions | undefined {
  if (raw === 'off') return undefined;
  let config: GuardrailsConfig = DEFAULT;
  if (raw) {
    try {
      config = JSON.parse(raw) as GuardrailsConfig;
    } catch {
      throw new ConfigError('GUARDRAILS', 'must be valid JSON (or off)');
    }
    if (!config || typeof config !== 'object' || Array.isArray(config)) throw new ConfigError('GUARDRAILS', 'must be a JSON object (or off)');
  }
  const { tenants = {}, storeBlocked, ...defaults } = config;
  if (typeof tenants !== 'object' || tenants === null || Array.isArray(tenants)) throw new ConfigError('GUARDRAILS', 'tenants must map tenant names to settings');
  if (storeBlocked !== undefined && typeof storeBlocked !== 'boolean') throw new ConfigError('GUARDRAILS', 'storeBlocked must be true or false');
  const everyone = build(defaults, 'defaults');
  const byTenant = new Map(Object.entries(tenants).map(([tenant, own]) => [tenant, build({ ...defaults, ...own }, `tenant ${tenant}`)]));
  const stage = (s: GuardrailStage): Guardrail[] => {
    // Every guardrail any tenant has, each deciding with the caller's tenant's settings (passing where that tenant has it off).
    const names = new Set([...everyone[s].keys(), ...[...byTenant.values()].flatMap((b) => [...b[s].keys()])]);
    return [...names].map((name): Guardrail => ({
      name,
      ...(s === 'input' ? { mode: 'before' as const } : {}),
      check: (input) => {
        const own = (input.identity.tenant !== undefined ? byTenant.get(input.identity.tenant) : undefined) ?? everyone;
        return own[s].get(name)?.check(input) ?? pass();
      },
    }));
  };
  const options: GuardrailOptions = { input: stage('input'), output: stage('output'), tool: stage('tool'), ...(storeBlocked ? { storeBlocked } : {}) };
  return options.input!.length || options.output!.length || options.tool!.length ? options : undefined;
}
