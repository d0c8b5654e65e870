/**
 * A tool call's result as the model gets it (and as a checkpoint keeps it).
 * @inline
 */
export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  name: string;
  content: string;
  isError?: boolean;
}
