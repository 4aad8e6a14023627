import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runScenario } from "./run-scenario.js";
import { parseScenario } from "./scenario.js";

// The README's scenario example is a real scenario: it loads, and its script passes its expectations.
it("the README's scenario example loads and passes", async () => {
  const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Scenarios\n"));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!yaml) throw new Error("README: no yaml block under ## Scenarios");
  const scenario = parseScenario(yaml, "README.md#scenarios");
  const result = await runScenario({ ...scenario, systemPrompt: undefined });
  expect(result.error).toBeUndefined();
  expect(result.failures).toEqual([]);
}, 60_000);
