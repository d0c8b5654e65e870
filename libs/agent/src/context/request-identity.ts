/** Who is calling: set once per request (or job) and read by every run, so nobody passes it by hand. */
export interface RequestIdentity {
  tenant?: string;
  principal?: string;
  /** Roles of the caller (from its credentials), for tool policies. */
  roles?: readonly string[];
}
