import type { JournalEntry } from "../fake-okta/journal.js";
import { type OrgSnapshot, snapshot } from "../fake-okta/snapshot.js";
import { adminRequest, readJournal, resetFake } from "../shared/admin-client.js";
import { ShiftedClock } from "../shared/clock.js";
import { startHarness } from "../start.js";
import type { Scenario } from "./scenario.js";

/**
 * Where a scenario runs: a harness started in-process (the default), or a running one reached
 * through its admin APIs (`paceline serve`, the container image). Either way the runner sees the
 * same four things: the MCP URL, the org's state, Okta's journal, and a user's status.
 */
export interface ScenarioHarness {
  mcpUrl: string;
  snapshot(): Promise<OrgSnapshot>;
  journal(): Promise<JournalEntry[]>;
  /** A user's status now, where the harness can tell without a request to Okta (in-process only). */
  userStatus(idOrLogin: string): string | undefined;
  close(): Promise<void>;
}

/** A running harness: the fake Okta's and the gateway's admin API base URLs. */
export interface RemoteHarness {
  adminUrl: string;
  gatewayAdminUrl: string;
}

export async function inProcessHarness(scenario: Scenario): Promise<ScenarioHarness> {
  const harness = await startHarness({
    fixture: scenario.org,
    // The org's "now" is the fake's now, so "today" and the System Log's default week hold still.
    ...(scenario.org.now ? { clock: new ShiftedClock(Date.parse(scenario.org.now)) } : {}),
    limits: scenario.limits,
    faults: scenario.faults,
    // A fixed cursor key keeps tool results, and so recorded requests, identical between runs.
    cursorSecret: `scenario:${scenario.name}`,
    mcpServer: { name: scenario.name, config: scenario.gateway },
  });
  const org = () => harness.okta.state.org;
  return {
    mcpUrl: harness.gateway.mcpUrl,
    snapshot: async () => snapshot(org()),
    journal: async () => harness.okta.state.journal.list(),
    userStatus: (ref) => org().findUser(ref)?.status,
    close: () => harness.close(),
  };
}

/**
 * Sets a running harness up for the scenario: the org from its fixture, its limits and faults,
 * an empty journal, and a new MCP server with its gateway config. The fake's clock
 * is its own: a scenario that depends on `org.now` belongs in-process.
 */
export async function remoteHarness(scenario: Scenario, remote: RemoteHarness): Promise<ScenarioHarness> {
  await resetFake(remote.adminUrl, scenario.org, scenario.limits, scenario.faults);
  const server = await adminRequest<{ url: string }>(`${remote.gatewayAdminUrl}/mcp-servers`, "POST", {
    name: scenario.name,
    config: scenario.gateway,
  });
  // The gateway names its own listen address; behind a port mapping, the admin URL's origin is the one that reaches it.
  const mcpUrl = new URL(new URL(server.url).pathname, remote.gatewayAdminUrl).href;
  return {
    mcpUrl,
    snapshot: () => adminRequest<OrgSnapshot>(`${remote.adminUrl}/state`, "GET"),
    journal: () => readJournal(remote.adminUrl),
    userStatus: () => undefined,
    close: async () => {},
  };
}
