import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { AgentDefinition } from './agent-definition.js';
import { AgentFeature } from './agent-feature.js';

/** Collects the agents every `AgentModule.forFeature` registered, wherever it is imported. */
@Injectable()
export class AgentFeatureExplorer {
  constructor(private readonly discovery: DiscoveryService) {}

  /** The feature modules' agents merged with `root`; a name given twice (by different definitions) fails boot. */
  explore(root: Readonly<Record<string, AgentDefinition>>): Record<string, AgentDefinition> {
    const agents: Record<string, AgentDefinition> = { ...root };
    for (const wrapper of this.discovery.getProviders()) {
      if (!(wrapper.instance instanceof AgentFeature)) continue;
      for (const [name, definition] of Object.entries(wrapper.instance.agents)) {
        // The same forFeature module imported in two places registers the same objects: once is enough.
        if (Object.hasOwn(agents, name) && agents[name] !== definition) throw new AgentConfigError(`two agents are named "${name}"`);
        agents[name] = definition;
      }
    }
    return agents;
  }
}
