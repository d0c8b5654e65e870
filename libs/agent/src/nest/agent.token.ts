import { Inject } from '@nestjs/common';

/** The injection token of the registered agent `name` (an `AgentHandle`), as provided by `AgentModule.forFeature`. */
export function getAgentToken(name: string): string {
  return `AgentNestAgent_${name}`;
}

/** Injects the `AgentHandle` of the agent `name`, registered with `AgentModule.forFeature` in this module. */
export const InjectAgent = (name: string): ParameterDecorator & PropertyDecorator => Inject(getAgentToken(name));
