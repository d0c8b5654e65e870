import { pauseHere } from './pause.js';
import { defineTool } from './tool.js';

/** A ready tool that pauses the run with a question for a human; the answer is the tool's result. */
export const askHuman = defineTool<{ question: string }>({
  name: 'askHuman',
  description: 'Ask the human user a question and wait for their answer. Use when you need information only they have.',
  inputSchema: {
    type: 'object',
    properties: { question: { type: 'string', minLength: 1, description: 'The question to ask' } },
    required: ['question'],
    additionalProperties: false,
  },
  execute: ({ question }) => pauseHere({ kind: 'question', question }),
});
