/** Who is calling: set once per request (or job) and read by every run, so nobody passes it by hand. */
export interface RequestIdentity {
  /** The organisation or customer: memory, budgets and policies are kept apart by it. */
  tenant?: string;
  /** The user (or service) within the tenant. */
  principal?: string;
  /** Roles of the caller (from its credentials), for tool policies. */
  roles?: readonly string[];
}
