import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "./scenario.js";

const VALID = `name: ok
org:
  users:
    - { login: a@company.com, firstName: A, lastName: B }
prompt: Do something.
expect:
  users:
    - { login: a@company.com, status: ACTIVE }
script:
  - say: done
`;

function errorOf(text: string): string {
  try {
    parseScenario(text, "scenarios/x.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

describe("scenario files are validated on load", () => {
  it("a valid file loads with defaults filled in", () => {
    const scenario = parseScenario(VALID, "scenarios/x.yaml");
    expect(scenario).toMatchObject({
      name: "ok",
      limits: "none",
      expect: { othersUnchanged: true, noWrites: false },
      file: "scenarios/x.yaml",
    });
  });

  it.each([
    [
      "a bad status names file, line, column and field",
      VALID.replace("status: ACTIVE", "status: ASLEEP"),
      /^scenarios\/x\.yaml:8:39: expect\.users\.0\.status: Invalid option/,
    ],
    [
      "a missing field points at its parent",
      VALID.replace("prompt: Do something.\n", ""),
      /^scenarios\/x\.yaml:1:1: prompt: /,
    ],
    [
      "an unknown top-level field points at its own line",
      VALID.replace("name: ok", "name: ok\ncolour: blue"),
      /^scenarios\/x\.yaml:2:1: colour: unknown field$/,
    ],
    [
      "a typo in a script step names the field",
      VALID.replace("  - say: done", "  - tools:\n      - { call: a, forEch: x }"),
      /^scenarios\/x\.yaml:11:20: script\.0\.tools\.0\.forEch: unknown field/,
    ],
    [
      "client options are checked against the client's own schema",
      VALID.replace("prompt: Do something.", "prompt: Do something.\nclient: { retry: { retries: -1 } }"),
      /^scenarios\/x\.yaml:6:\d+: client\.retry\.retries: Too small/,
    ],
    [
      "a bad login in the org",
      VALID.replace("login: a@company.com, firstName", "login: not-an-email, firstName"),
      /scenarios\/x\.yaml:4:\d+: org\.users\.0\.login: /,
    ],
    [
      "a script turn that is neither tools, say nor repeat",
      VALID.replace("  - say: done", "  - shout: done"),
      /scenarios\/x\.yaml:10:5: script\.0\.shout: unknown field\n.*script\.0: a turn is exactly one of tools, say, repeat \(found none\)/,
    ],
    ["bad YAML", "name: [unclosed\n", /^scenarios\/x\.yaml:\d+:\d+: not valid YAML/],
  ])("%s", (_name, text, pattern) => {
    expect(errorOf(text)).toMatch(pattern);
  });
});
