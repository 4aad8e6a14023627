import type { Clock } from "../shared/clock.js";
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
  /**
   * How far back the System Log's `since` may reach, in days, or null for no bound. The sources
   * disagree: Okta's system-log-query doc lists E0000053 for `since` beyond 180 days, while
   * Okta's own Node SDK integration tests, run against live orgs, query since 2018-01-26 and
   * expect events. Default null (the tests' observed behaviour); 180 follows the doc.
   */
  readonly logSinceLimitDays: number | null;
  /** The partition in role targets' ORNs (see FakeOktaOptions.ornPartition). */
  readonly ornPartition: string;
}
