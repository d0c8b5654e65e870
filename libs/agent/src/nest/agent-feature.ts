import type { AgentDefinition } from './agent-definition.js';

/** What `AgentModule.forFeature` takes. */
export interface AgentFeatureOptions {
  /** Agents by name, added to the app's registry beside the ones given to `forRoot` (names are unique across both). */
  agents: Record<string, AgentDefinition>;
}

/** The agents one feature module registers; provided by `forFeature` and found by AgentService at boot. */
export class AgentFeature {
  constructor(readonly agents: Readonly<Record<string, AgentDefinition>>) {}
}
