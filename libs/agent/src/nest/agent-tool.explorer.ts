import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AgentConfigError } from '../errors/agent.errors.js';
import { defineTool, type Tool, type ToolContext } from '../tools/tool.js';
import { AGENT_TOOL_METADATA } from './agent.constants.js';
import type { AgentToolOptions } from './agent-tool.decorator.js';

/** Finds `@AgentTool` methods on every singleton provider and turns them into tools bound to their instance. */
@Injectable()
export class AgentToolExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  explore(): Map<string, Tool> {
    const tools = new Map<string, Tool>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const fn = instance[method] as (args: unknown, ctx: ToolContext) => unknown;
        const meta = this.reflector.get<AgentToolOptions | undefined>(AGENT_TOOL_METADATA, fn);
        if (!meta) continue;
        const name = meta.name ?? method;
        if (tools.has(name)) throw new AgentConfigError(`two @AgentTool methods are named "${name}"`);
        tools.set(name, defineTool({ name, description: meta.description, inputSchema: meta.inputSchema, ...(meta.needsApproval !== undefined ? { needsApproval: meta.needsApproval } : {}), execute: (args, ctx) => fn.call(instance, args, ctx) }));
      }
    }
    return tools;
  }
}
