/**
 * Tenant values for metric attributes, capped: the first `max` distinct tenants keep their id and
 * the rest share `other`, so a service with many tenants cannot blow up a metrics backend.
 */
export class TenantLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** The metric label for `tenant`: its id, `other` past the cap, or `none` for no tenant. */
  label(tenant: string | undefined): string {
    if (tenant === undefined) return 'none';
    if (this.seen.has(tenant)) return tenant;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(tenant);
    return tenant;
  }
}
