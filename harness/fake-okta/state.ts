import type { Clock } from "./clock.js";
import type { FaultInjector } from "./faults.js";
import type { Journal } from "./journal.js";
import type { OktaOrg } from "./org.js";
import type { RateLimiter } from "./rate-limits.js";

/** What the routes and layers share. `org` and `limiter` are replaced whole by the admin API. */
export interface ServerState {
  org: OktaOrg;
  limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly token: string;
}
