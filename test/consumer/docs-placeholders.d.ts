// What the READMEs' fragments take as given: the user's own provider, Redis client, tools, services
// and secrets. Declared here, never defined, so only their types are checked.
declare const provider: import('@agentnest/providers').LLMProvider;
declare const model: string;
declare const redis: import('ioredis').Redis;
declare const memory: import('@agentnest/memory').MemoryStore;
declare const tools: import('@agentnest/agent').Tool[];
declare const invoice: import('@agentnest/agent').Tool;
declare const checkpointSecret: string;
declare const token: string;
declare const agent: import('@agentnest/agent').Agent;
declare const agents: import('@agentnest/agent/nest').AgentService;
declare const alice: import('@agentnest/memory').MemoryIdentity;
declare const payments: { refund(order: string, amount: number): Promise<{ refunded: number }> };
