/** The BullMQ queue agent runs go through. */
export const AGENT_RUNS_QUEUE = 'agentnest-runs';
