export { type AgentOptions, type AgentRun, runAgent, type ToolCallRecord } from "../agent/agent.js";
export { DEFAULT_SYSTEM_PROMPT } from "../agent/system-prompt.js";
export { discoverScenarios } from "./discover.js";
export { checkExpectations, type RunEvidence, type TrajectoryStep } from "./expectations.js";
export { type MutantResult, type MutationReport, mutants, mutationReport } from "./mutants.js";
export { junitXml, resultTable } from "./report.js";
export {
  type RunMode,
  type RunOptions,
  recordingFileFor,
  runScenario,
  type ScenarioResult,
} from "./run-scenario.js";
export { loadScenario, parseScenario, type Scenario, ScenarioError, ScenarioSchema } from "./scenario.js";
export type { RemoteHarness } from "./scenario-harness.js";
