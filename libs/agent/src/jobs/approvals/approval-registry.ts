import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { encodeOptionalField } from '@agentnest/memory';
import type { ApprovalPauseData } from '../../checkpoint/approval.js';
import { RunStateError, type RunStatus } from '../runs/run-registry.js';
import { decideApproval } from './decide-approval.script.js';

/** Whether an approval is still waiting for its decision, or how it was decided (one that expired counts as denied). */
export type ApprovalStatus = 'pending' | 'approved' | 'denied';

/** An approval as the API shows it: what the run paused with, plus its run and decision. */
export interface ApprovalRecord extends Omit<ApprovalPauseData, 'kind'> {
  /** Waiting, approved or denied. */
  status: ApprovalStatus;
  /** The paused run. */
  runId: string;
  /** Its agent. */
  agent: string;
  /** Its conversation. */
  conversationId: string;
  /** The caller who asked may decide too (the policy's selfApproval). */
  selfApproval: boolean;
  /** When the run asked (ISO time). */
  createdAt: string;
  /** The principal who decided; absent when it expired undecided. */
  decidedBy?: string;
  /** When it was decided (ISO time), with `decidedBy`. */
  decidedAt?: string;
  /** The approver's reason (screened by the agent's input guardrails), or why it was denied on expiry. */
  reason?: string;
}

export interface ApprovalRegistryOptions {
  redis: Redis | Cluster;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long a decided approval stays listed; @default 7 days */
  retentionMs?: number;
}

const tag = (tenant: string | undefined) => createHash('sha256').update(encodeOptionalField(tenant)).digest('base64url').slice(0, 22);

/**
 * Approvals of queued runs, per tenant in Redis: an approver (another principal of the tenant) finds
 * them here, while the run and its checkpoint stay under the requester's key space.
 */
export class ApprovalRegistry {
  private readonly redis: Redis | Cluster;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(options: ApprovalRegistryOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agentnest:';
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  }

  /** The key of one approval; every key of a tenant shares its hash tag. */
  key(tenant: string | undefined, approvalId: string): string {
    return `${this.prefix}approval:{${tag(tenant)}}:${approvalId}`;
  }

  private index(tenant: string | undefined): string {
    return `${this.prefix}approvals:{${tag(tenant)}}`;
  }

  /** Records the approval a queued run paused for. */
  async create(run: { runId: string; agent: string; conversationId: string; selfApproval: boolean }, pause: ApprovalPauseData): Promise<void> {
    const tenant = pause.requestedBy.tenant;
    const at = Date.now();
    const key = this.key(tenant, pause.approvalId);
    const record: Record<string, string> = {
      approvalId: pause.approvalId,
      status: 'pending',
      runId: run.runId,
      agent: run.agent,
      conversationId: run.conversationId,
      selfApproval: String(run.selfApproval),
      toolCallId: pause.toolCallId,
      tool: pause.tool,
      args: JSON.stringify(pause.args),
      argsHash: pause.argsHash,
      requestedBy: JSON.stringify(pause.requestedBy),
      approverRoles: JSON.stringify(pause.approverRoles),
      createdAt: new Date(at).toISOString(),
      expiresAt: pause.expiresAt,
    };
    const index = this.index(tenant);
    await this.redis.multi().hset(key, record).pexpire(key, this.retentionMs).zadd(index, at, pause.approvalId).zremrangebyscore(index, '-inf', String(at - this.retentionMs)).pexpire(index, this.retentionMs).exec();
  }

  async get(tenant: string | undefined, approvalId: string): Promise<ApprovalRecord | undefined> {
    const raw = await this.redis.hgetall(this.key(tenant, approvalId));
    return raw.approvalId ? decode(raw) : undefined;
  }

  /** The tenant's approvals, newest first (at most `limit`). */
  async list(tenant: string | undefined, limit = 100): Promise<ApprovalRecord[]> {
    const ids = await this.redis.zrevrange(this.index(tenant), 0, limit - 1);
    if (!ids.length) return [];
    const read = this.redis.pipeline();
    for (const id of ids) read.hgetall(this.key(tenant, id));
    const rows = ((await read.exec()) ?? []).map(([, v]) => v as Record<string, string>);
    return rows.filter((r) => r?.approvalId).map(decode);
  }

  /** Decides a pending approval: undefined when there is none; RunStateError when it was decided already. */
  async decide(tenant: string | undefined, approvalId: string, status: Exclude<ApprovalStatus, 'pending'>, by: string, reason = ''): Promise<'decided' | undefined> {
    try {
      const previous = await decideApproval(this.redis, { approval: this.key(tenant, approvalId), status, by, at: new Date().toISOString(), reason });
      return previous === null ? undefined : 'decided';
    } catch (err) {
      const m = /state:(\w+)/.exec(String((err as Error).message));
      if (m) throw new RunStateError(m[1] as RunStatus, 'decide');
      throw err;
    }
  }
}

function decode(raw: Record<string, string>): ApprovalRecord {
  return {
    approvalId: raw.approvalId,
    status: raw.status as ApprovalStatus,
    runId: raw.runId,
    agent: raw.agent,
    conversationId: raw.conversationId,
    selfApproval: raw.selfApproval === 'true',
    toolCallId: raw.toolCallId,
    tool: raw.tool,
    args: JSON.parse(raw.args) as Record<string, unknown>,
    argsHash: raw.argsHash,
    requestedBy: JSON.parse(raw.requestedBy) as ApprovalRecord['requestedBy'],
    approverRoles: JSON.parse(raw.approverRoles) as string[],
    createdAt: raw.createdAt,
    expiresAt: raw.expiresAt,
    ...(raw.decidedBy ? { decidedBy: raw.decidedBy, decidedAt: raw.decidedAt } : {}),
    ...(raw.reason ? { reason: raw.reason } : {}),
  };
}
