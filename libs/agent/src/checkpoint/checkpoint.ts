import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LLMMessage, Usage } from '@agentnest/providers';
import { validateIdentity, type MemoryIdentity } from '@agentnest/memory';
import { AgentConfigError, CheckpointInvalidError } from '../errors/agent.errors.js';
import { currentUsage } from '../common/stored-usage.js';
import type { TeamState } from '../team/team-state.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import { canonicalJson } from '../common/canonical-json.js';

// v2 added id, expiresAt and gen: single use, expiry and revocation by erasure.
/** The checkpoint format written now; checkpoints of any other version are refused (CheckpointInvalidError). */
export const CHECKPOINT_VERSION = 2;
/** @default 32 characters: shorter HMAC keys are refused. */
export const MIN_CHECKPOINT_SECRET_LENGTH = 32;

/** Everything needed to continue a paused run on any instance; conversation history is reloaded from memory, not carried. */
export interface CheckpointBody {
  /** Unique per pause: what the ledger marks used. */
  id: string;
  /** ISO time after which it cannot be resumed. */
  expiresAt: string;
  /** The erasure generation of its principal and conversation when issued (CheckpointLedger). */
  gen: string;
  /** The agent the run started with (it resumes the run). */
  agent: string;
  /** The paused run. */
  runId: string;
  /** Who the run is for: a resume must come from the same tenant and principal. */
  identity: MemoryIdentity;
  /** The caller's roles, for the tool policy when someone else's decision continues the run. */
  roles?: string[];
  /** This run's messages so far, ending with the assistant message whose tool calls are pending. */
  turn: LLMMessage[];
  /** Results of the paused turn's other tool calls, by call id. */
  results: Record<string, ToolResultMessage>;
  /** The tool call the run paused on. */
  pending: {
    /** The call's id. */
    toolCallId: string;
    /** The tool. */
    tool: string;
    /** Set when the call waits for an approval: what it binds (tool + exact arguments), who may decide, until when (a sub-agent's, copied up). */
    approval?: {
      /** The approval's id. */
      id: string;
      /** Hash of the tool and its exact arguments. */
      argsHash: string;
      /** Role globs of who may approve. */
      approverRoles: string[];
      /** Whether the caller may approve their own call. */
      selfApproval: boolean;
      /** ISO time after which a decision counts as denied. */
      expiresAt: string;
    };
    /** Set when the pending call is an agent called as a tool that paused: its own checkpoint body, covered by this one's signature. */
    sub?: CheckpointBody;
  };
  /** Set when the run's agents can hand off: who holds the conversation (the run continues with that agent). */
  team?: TeamState;
  /** What the pausing tool gave to show the human. */
  pauseData: unknown;
  /** Model calls made before the pause. */
  iterations: number;
  /** Tokens used before the pause. */
  usage: Usage;
  /** What was spent before the pause. */
  costUsd: number;
  /** When it was issued (ISO time). */
  createdAt: string;
}

/** A paused run, as handed to clients: versioned JSON, HMAC-SHA256 signed over the canonical body. */
export interface Checkpoint {
  /** The format version (CHECKPOINT_VERSION). */
  v: number;
  /** The state to continue from (readable by the client, but any change breaks `sig`). */
  body: CheckpointBody;
  /** HMAC-SHA256 of the canonical body under the checkpoint secret, base64url. */
  sig: string;
}

export function assertCheckpointSecret(secret: string | undefined): asserts secret is string {
  if (typeof secret !== 'string' || secret.length < MIN_CHECKPOINT_SECRET_LENGTH) {
    throw new AgentConfigError(`checkpointSecret must be a string of at least ${MIN_CHECKPOINT_SECRET_LENGTH} characters to pause and resume runs`);
  }
}

function sign(body: unknown, secret: string): string {
  return createHmac('sha256', secret).update(`agentnest.checkpoint.v${CHECKPOINT_VERSION}\n`).update(canonicalJson(body)).digest('base64url');
}

export function signCheckpoint(body: CheckpointBody, secret: string): Checkpoint {
  assertCheckpointSecret(secret);
  // Round-trip first so what is signed is exactly what a client can send back.
  const plain = JSON.parse(JSON.stringify(body)) as CheckpointBody;
  return { v: CHECKPOINT_VERSION, body: plain, sig: sign(plain, secret) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the body of an authentic checkpoint; anything edited, truncated or signed with another key is refused. */
export function verifyCheckpoint(value: unknown, secret: string): CheckpointBody {
  assertCheckpointSecret(secret);
  if (!isRecord(value) || !isRecord(value.body) || typeof value.sig !== 'string') throw new CheckpointInvalidError('not a checkpoint');
  if (value.v !== CHECKPOINT_VERSION) throw new CheckpointInvalidError(`unsupported version (expected ${CHECKPOINT_VERSION})`);
  const expected = Buffer.from(sign(value.body, secret));
  const given = Buffer.from(value.sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CheckpointInvalidError('signature does not match');
  checkShape(value.body);
  return withCurrentUsage(value.body as unknown as CheckpointBody);
}

// Checkpoints signed before the AI SDK's names carry usage as { input, output, ... }: read as today's (a copy: the signed body stays as sent).
function withCurrentUsage(body: CheckpointBody): CheckpointBody {
  const { sub } = body.pending;
  return { ...body, usage: currentUsage(body.usage), ...(sub ? { pending: { ...body.pending, sub: withCurrentUsage(sub) } } : {}) };
}

/** Authentic means we wrote it; the shape checks guard against a future writer's bug, not clients. */
function checkShape(body: Record<string, unknown>): void {
  if (typeof body.id !== 'string' || typeof body.expiresAt !== 'string' || typeof body.gen !== 'string' || typeof body.agent !== 'string' || typeof body.runId !== 'string' || !Array.isArray(body.turn) || !isRecord(body.pending) || !isRecord(body.results)) {
    throw new CheckpointInvalidError('malformed body');
  }
  validateIdentity(body.identity);
  if (body.pending.sub !== undefined) {
    if (!isRecord(body.pending.sub)) throw new CheckpointInvalidError('malformed body');
    checkShape(body.pending.sub);
  }
}
