import { ManualClock } from "../shared/clock.js";
import type { Fixture } from "./fixture.js";
import { createFakeOktaApp, type FakeOktaOptions } from "./server.js";

/** A fake Okta app for `inject` tests: fixed clock, known token, no limits unless asked. */
export const TEST_NOW = Date.parse("2026-11-28T12:00:00.000Z");
export const TEST_TOKEN = "test-token-00000000000000000000";

export function testApp(fixture: Fixture, options: Partial<FakeOktaOptions> = {}) {
  const clock = new ManualClock(TEST_NOW);
  const { app, state } = createFakeOktaApp({
    fixture: { now: new Date(TEST_NOW).toISOString(), ...fixture },
    limits: "none",
    token: TEST_TOKEN,
    clock,
    // Pagination tests serve Link headers for the org names a real deployment would answer to.
    allowedHosts: ["okta.example.test", "acme.okta.test"],
    ...options,
  });
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: method as "GET",
      url,
      headers: {
        authorization: `SSWS ${TEST_TOKEN}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body ? safeJson(response.body) : undefined,
      raw: response.body,
    };
  };
  return { app, state, clock, call };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const JANE: Fixture = {
  groups: [{ name: "AWS Production Access" }, { name: "Production Database Readers" }],
  users: [
    {
      login: "jane.doe@company.com",
      firstName: "Jane",
      lastName: "Doe",
      groups: ["AWS Production Access"],
      sessions: 2,
      roles: ["ORG_ADMIN"],
    },
    {
      login: "staged.sam@company.com",
      firstName: "Sam",
      lastName: "Staged",
      status: "STAGED",
      password: false,
    },
    { login: "locked.lee@company.com", firstName: "Lee", lastName: "Locked", status: "LOCKED_OUT" },
    { login: "susp.sue@company.com", firstName: "Sue", lastName: "Suspended", status: "SUSPENDED" },
    { login: "gone.gil@company.com", firstName: "Gil", lastName: "Gone", status: "DEPROVISIONED" },
    {
      login: "prov.pat@company.com",
      firstName: "Pat",
      lastName: "Provisioned",
      status: "PROVISIONED",
      password: false,
    },
  ],
};
