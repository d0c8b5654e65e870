// JSON Schemas shared by validation (ajv) and documentation (Swagger): one definition, no drift.

/** @default 32,000 characters per message or answer */
export const MAX_MESSAGE_LENGTH = 32_000;

export const RUN_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['message'],
  properties: {
    message: { type: 'string', minLength: 1, maxLength: MAX_MESSAGE_LENGTH, description: 'What the user says to the agent' },
    conversationId: { type: 'string', minLength: 1, maxLength: 256, description: 'Continue this conversation; a new id is generated when absent' },
  },
};

/** A synchronous run may ask for structured output. */
export const SYNC_RUN_REQUEST = {
  ...RUN_REQUEST,
  properties: {
    ...RUN_REQUEST.properties,
    responseFormat: {
      type: 'object',
      additionalProperties: false,
      required: ['schema'],
      properties: { schema: { type: 'object', description: 'JSON Schema the reply must match: validated, repaired once, then the agent\'s fallback and canned value' } },
    },
  },
};

/** What the AI SDK's DefaultChatTransport posts; only the last message is read (history comes from the server). */
export const CHAT_REQUEST = {
  type: 'object',
  required: ['id', 'messages'],
  properties: {
    id: { type: 'string', pattern: '^[\\w-]{1,128}$', description: 'The chat id: the conversation id, scoped to the caller like every conversation' },
    trigger: { type: 'string', enum: ['submit-message', 'regenerate-message'], description: 'regenerate-message is refused (400): history lives on the server' },
    messageId: { type: 'string', maxLength: 256 },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      description: 'UI messages; the last one is a user message (text parts), or the assistant message whose pending tool call the user answered (output-available) or whose approval they responded to (approval-responded)',
      items: {
        type: 'object',
        required: ['role', 'parts'],
        properties: {
          id: { type: 'string', maxLength: 256 },
          role: { type: 'string', enum: ['system', 'user', 'assistant'] },
          parts: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['type'], properties: { type: { type: 'string', maxLength: 128 } } } },
        },
      },
    },
  },
};

export const RESUME_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['checkpoint', 'answer'],
  properties: {
    checkpoint: { type: 'object', description: 'The checkpoint returned by the paused run, unchanged' },
    answer: { type: 'string', maxLength: MAX_MESSAGE_LENGTH, description: "The human's answer; it becomes the paused tool's result" },
  },
};

/** @default 100 messages per history page at most */
export const MAX_PAGE = 100;

export const HISTORY_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^(?:[1-9]\\d?|100)$', description: `Messages per page (1-${MAX_PAGE}), default 50` },
    offset: { type: 'string', pattern: '^(?:0|[1-9]\\d{0,6})$', description: 'Newest messages to skip (0-9999999), default 0' },
  },
};

/** The library's Usage, the AI SDK's names and meanings: inputTokens includes cached prompt tokens, which inputTokenDetails splits out. */
const USAGE = {
  type: 'object',
  properties: {
    inputTokens: { type: 'integer', description: 'Every prompt token, cached ones included' },
    outputTokens: { type: 'integer' },
    totalTokens: { type: 'integer', description: 'inputTokens + outputTokens' },
    inputTokenDetails: {
      type: 'object',
      description: 'Present when the model vendor reported cache tokens',
      properties: { noCacheTokens: { type: 'integer' }, cacheReadTokens: { type: 'integer' }, cacheWriteTokens: { type: 'integer' } },
    },
  },
  required: ['inputTokens', 'outputTokens', 'totalTokens'],
};

export const RUN_RESPONSE = {
  type: 'object',
  required: ['runId', 'conversationId', 'status', 'usage', 'narrative'],
  properties: {
    runId: { type: 'string' },
    conversationId: { type: 'string' },
    status: { type: 'string', enum: ['completed', 'paused', 'budget_exceeded'] },
    text: { type: 'string', description: 'When completed: the reply; when budget_exceeded: whatever text the last model call gave' },
    finishReason: { type: 'string', enum: ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other'], description: "When completed: why the model's last call stopped (the AI SDK's values)" },
    answeredBy: { type: 'string', description: 'The agent that answered (or paused): the agent called, unless it handed the conversation to another (or another holds it)' },
    stoppedEarly: { type: 'boolean', description: 'When completed: the tool-call limit was reached' },
    output: { description: 'With responseFormat: the value that matches the schema (text is its JSON)' },
    outputTier: { type: 'string', enum: ['model', 'repair', 'fallback', 'canned'], description: 'With responseFormat: which tier served the output' },
    costUsd: { type: 'number', description: 'When budget_exceeded: what the run spent' },
    limitUsd: { type: 'number', description: 'When budget_exceeded: the agent\'s costBudget' },
    pauseData: { description: 'When paused: what the paused tool asks for (kind "approval": a call an approver must decide at /v1/approvals/{approvalId})' },
    checkpoint: { type: 'object', description: 'When paused on a question: send back to /runs/resume with the answer. Absent for an approval: the service keeps the run, which continues as a queued run (GET /v1/runs/{runId}) once decided' },
    usage: USAGE,
    narrative: { type: 'array', items: { type: 'string' }, description: 'The run as plain lines' },
  },
};

export const AGENTS_RESPONSE = {
  type: 'object',
  properties: {
    agents: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          model: { type: 'string' },
          provider: { type: 'string' },
          tools: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' }, inputSchema: { type: 'object' } } } },
          handoffs: { type: 'array', items: { type: 'string' }, description: 'Agents it may hand the conversation to (its transfer_to_<name> tools)' },
        },
      },
    },
  },
};

export const MESSAGES_RESPONSE = {
  type: 'object',
  properties: {
    conversationId: { type: 'string' },
    nextOffset: { type: 'integer', description: 'Present when the page is full: the offset of the next (older) page' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', enum: ['user', 'assistant', 'tool'] },
          content: { type: 'string' },
          toolCalls: { type: 'array', items: { type: 'object' } },
          toolCallId: { type: 'string' },
          name: { type: 'string' },
          isError: { type: 'boolean' },
          agent: { type: 'string', description: 'The agent that wrote an assistant message, in a conversation several agents share' },
        },
      },
    },
  },
};

export const ERROR_RESPONSE = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', example: 'invalid_body' }, message: { type: 'string' } },
    },
  },
};

export const JOB_RESPONSE = {
  type: 'object',
  required: ['runId', 'status'],
  properties: { runId: { type: 'string' }, status: { type: 'string', enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'budget_exceeded', 'blocked'] } },
};

export const RUN_RECORD_RESPONSE = {
  type: 'object',
  required: ['runId', 'agent', 'conversationId', 'status', 'createdAt', 'updatedAt', 'attempts'],
  properties: {
    runId: { type: 'string' },
    agent: { type: 'string' },
    conversationId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'budget_exceeded', 'blocked'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    attempts: { type: 'integer' },
    text: { type: 'string', description: 'When completed: the reply; when budget_exceeded: whatever text the last model call gave' },
    finishReason: { type: 'string', enum: ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other'], description: "When completed: why the model's last call stopped (the AI SDK's values)" },
    answeredBy: { type: 'string', description: 'When finished: the agent that answered (another than `agent` after a handoff)' },
    output: { description: 'With responseFormat: the value that matches the schema' },
    outputTier: { type: 'string', enum: ['model', 'repair', 'fallback', 'canned'] },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    usage: USAGE,
    pauseData: {},
  },
};

export const RUN_ANSWER_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['answer'],
  properties: { answer: { type: 'string', maxLength: MAX_MESSAGE_LENGTH, description: "The human's answer to the paused run" } },
};

const DAY = { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' };

export const USAGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { ...DAY, description: 'First day (UTC, YYYY-MM-DD); default the first of this month' },
    to: { ...DAY, description: 'Last day, inclusive (UTC, YYYY-MM-DD); default today; at most 366 days after from' },
  },
};

const USAGE_LINE = {
  type: 'object',
  properties: {
    calls: { type: 'integer' },
    inputTokens: { type: 'integer' },
    outputTokens: { type: 'integer' },
    cacheReadTokens: { type: 'integer' },
    cacheWriteTokens: { type: 'integer' },
    costUsd: { type: 'number' },
    unsettledCalls: { type: 'integer', description: 'Of calls, those never settled (their process died mid-call): each charged what it held when its hold expired' },
    estimatedCalls: { type: 'integer', description: 'Of calls, those that failed after output had started: charged their input estimate and the text received' },
  },
};

export const USAGE_RESPONSE = {
  type: 'object',
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    rows: { type: 'array', items: { ...USAGE_LINE, properties: { day: { type: 'string' }, agent: { type: 'string' }, model: { type: 'string' }, ...USAGE_LINE.properties } } },
    totals: USAGE_LINE,
  },
};

export const ERASURE_RESPONSE = {
  type: 'object',
  required: ['runsRemoved', 'checkpointsRevoked'],
  properties: {
    conversationId: { type: 'string', description: 'DELETE /v1/conversations/:id: the conversation erased' },
    conversationsRemoved: { type: 'integer', description: 'DELETE /v1/memory: conversations deleted' },
    runsRemoved: { type: 'integer', description: 'Queued runs deleted with their records, replies, event streams, job payloads, server-side checkpoints and idempotency records' },
    checkpointsRevoked: { type: 'boolean', description: 'Every checkpoint issued before now for the scope can no longer be resumed' },
  },
};

export const RUNS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'string', pattern: '^(?:[1-9]\\d?|100)$', description: 'How many of the most recent runs (1-100), default 20' } },
};

export const APPROVALS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: ['pending', 'decided'], description: 'Only pending or only decided approvals; default both' } },
};

export const APPROVAL_DECISION_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['decision'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'deny'] },
    reason: { type: 'string', maxLength: 1000, description: 'Shown to the model with a denial' },
  },
};

export const APPROVAL_RESPONSE = {
  type: 'object',
  properties: {
    approvalId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'denied'] },
    runId: { type: 'string' },
    agent: { type: 'string' },
    tool: { type: 'string' },
    args: { type: 'object', description: 'Exactly the arguments that run when approved' },
    argsHash: { type: 'string' },
    requestedBy: { type: 'object', properties: { tenant: { type: 'string' }, principal: { type: 'string' } } },
    approverRoles: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    decidedBy: { type: 'string' },
    decidedAt: { type: 'string', format: 'date-time' },
    reason: { type: 'string' },
  },
};
