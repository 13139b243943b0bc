import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link AccessLogged}. */
export const ACCESS_LOGGED_KEY = 'careledger:accessLogged';

/** What a route declares about its access-log entry. */
export interface AccessLoggedOptions {
  /** Stable action name, `<resource>.<verb>` (`billing_lines.read`, `billing_lines.export`, `replay.run`). */
  action: string;
  /** `false` opts a tenant route out of the default rule (only for routes that return no patient-level data). */
  enabled?: boolean;
}

/**
 * Declares that a route reads patient-level data (or exports, or replays) and names the action written
 * to the `access_log` table. Routes without it are still logged when the access-log interceptor's
 * default rule matches (every `GET /v1/tenants/:tenantId/...`, every export or replay), under the
 * action `<METHOD> <route>`; the decorator only gives the entry a stable name.
 */
export const AccessLogged = (action: string): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_LOGGED_KEY, { action } satisfies AccessLoggedOptions);

/** Opts a tenant-scoped read route out of access logging (for routes that return no patient-level data). */
export const NotAccessLogged = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_LOGGED_KEY, { action: '', enabled: false } satisfies AccessLoggedOptions);
