import { redisScript } from '../redis/redis-script.js';

export interface DecideApprovalArgs {
  approval: string;
  status: 'approved' | 'denied';
  by: string;
  /** ISO time of the decision. */
  at: string;
  reason: string;
}

/**
 * Moves a pending approval to `status` with its decider, reason and time: exactly one decision
 * wins. 'pending' when decided, null when there is no such approval; a `state:<status>` error when
 * it was decided already.
 */
export const decideApproval = redisScript<DecideApprovalArgs, string | null>({
  name: 'agentnestApprovalDecide',
  numberOfKeys: 1,
  lua: `local s = redis.call('HGET', KEYS[1], 'status')
if not s then return false end
if s ~= 'pending' then return {err = 'state:' .. s} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decidedBy', ARGV[2], 'decidedAt', ARGV[3], 'reason', ARGV[4])
return 'pending'`,
  keys: (a) => [a.approval],
  argv: (a) => [a.status, a.by, a.at, a.reason],
});
