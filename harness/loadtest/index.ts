export { type LoopOptions, type LoopResult, runAuditLoop, STRATEGIES, type Strategy } from "./audit-loop.js";
export { type Bound, type BoundInput, type BucketLoad, lowerBound, pagesFor } from "./lower-bound.js";
export { reportHtml, reportTable } from "./report.js";
export {
  boundFor,
  type HarnessProcess,
  type LoadtestOptions,
  nodeHarness,
  nodeWorker,
  runLoadtest,
  type StrategyReport,
} from "./run-loadtest.js";
