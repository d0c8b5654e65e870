/**
 * A tool call's result as the model gets it (and as a checkpoint keeps it).
 * @inline
 */
export interface ToolResultMessage {
  /** Always `tool`. */
  role: 'tool';
  /** The call it answers. */
  toolCallId: string;
  /** The tool that was called. */
  name: string;
  /** The result as text (JSON for structured results). */
  content: string;
  /** Set when the tool failed or was refused: `content` then says why. */
  isError?: boolean;
}
