/**
 * `npm run bench:audit`: the 500-user audit (list every user, then each user's roles and groups)
 * for each strategy under the tight preset, as time against the lower bound T* and 429s. Target
 * for `paced`: time/T* ≤ 1.10, 429s under 1% of calls, 100% complete; `retry-only` shows what
 * pacing saves. Writes bench/results/audit.json.
 */
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { reportTable, runLoadtest, STRATEGIES } from "../harness/loadtest/index.js";
import { writeReport } from "./measure.js";

const users = Number(process.env.BENCH_USERS ?? 500);
const reports = await runLoadtest({
  users,
  strategies: STRATEGIES,
  concurrency: 16,
  workers: 1,
  pageSize: 200,
  limits: LIMIT_PRESETS.tight,
  seed: 42,
});
console.log(`${users}-user audit, tight preset (60 calls/s in Okta's "other" bucket), 16 in flight`);
console.log(reportTable(reports));
const paced = reports.find((r) => r.strategy === "paced");
if (paced) {
  const share = paced.rateLimited / paced.attempts;
  const verdict = paced.ratio <= 1.1 && share < 0.01 && paced.complete ? "meets" : "MISSES";
  console.log(
    `paced ${verdict} the target: time/T* ${paced.ratio.toFixed(3)} (≤ 1.10), 429s ${(100 * share).toFixed(2)}% (< 1%), complete ${paced.complete}`,
  );
}
writeReport("audit", {
  users,
  rows: reports.map(({ timeline: _timeline, bound: _bound, budget, latency, ...r }) => ({
    ...r,
    latency,
    budget,
  })),
});
