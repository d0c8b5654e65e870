/** The BullMQ queue agent runs go through. */
export const AGENT_RUNS_QUEUE = 'agentnest-runs';
/** Injection token of the resolved AgentJobsModule options. */
export const AGENT_JOBS_OPTIONS = Symbol('AGENT_JOBS_OPTIONS');
