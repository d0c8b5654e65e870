/**
 * Who holds the conversation in a run whose agents can hand off (kept in its checkpoint).
 * @inline
 */
export interface TeamState {
  /** The agent the run started with (whose checkpoint it is). */
  entry: string;
  /** The agent that has the conversation now. */
  active: string;
  /** Agents that had the conversation in this run, in order: none of them may get it again in the same run. */
  visited: string[];
  /** Set after a handoff in this turn: the new agent's view of the turn starts at `start`, and `note` tells it what happened before. */
  handoff?: {
    /** The agent that handed the conversation on. */
    from: string;
    /** Why, as the model said when it handed off. */
    reason: string;
    /** Index in the turn where the new agent's view starts. */
    start: number;
    /** What the new agent is told of the turn before it. */
    note: string;
  };
}
