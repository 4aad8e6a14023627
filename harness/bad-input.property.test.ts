import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshot } from "./fake-okta/snapshot.js";
import { connectClient, structured } from "./gateway/test-helpers.js";
import { buildTools } from "./gateway/tools.js";
import { type Harness, startHarness } from "./start.js";

/**
 * Generated hostile input (fast-check), against the running harness (issue #10). Every case must
 * end in a clear 4xx or a tool error, never a 5xx; a refused call changes nothing in the org and
 * reaches Okta not at all; an accepted one reaches exactly the endpoint its tool names.
 */
let harness: Harness;
let client: Awaited<ReturnType<typeof connectClient>>["client"];
const counts = { cases: 0, refused: 0, accepted: 0, serverErrors: 0, stateChanges: 0 };

beforeAll(async () => {
  harness = await startHarness({
    fixture: {
      seed: 3,
      generate: { users: 5, groups: 3, logs: 5 },
      users: [{ login: "ada@company.com", firstName: "Ada", lastName: "L" }],
    },
    limits: "none",
  });
  ({ client } = await connectClient(harness.gateway.mcpUrl));
});
afterAll(async () => {
  console.log("bad-input property suite:", counts);
  await client.close();
  await harness.close();
});

/** Every case ends below 500; a 5xx is counted for the closing figures, then fails the case. */
function expectNoServerError(status: number, context?: string): void {
  if (status >= 500) counts.serverErrors++;
  expect(status, context).toBeLessThan(500);
}

/** Strings an attacker would try in a path segment, mixed with arbitrary ones. */
const hostileString = fc.oneof(
  fc.constantFrom("..", ".", "../", "..%2f", "%2e%2e", "%2F", "/", "\\", "?", "#", "%00", "a/../b", "", " "),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.stringMatching(/^[a-z0-9.%/\\?#@+-]{1,30}$/),
);

const readTools = buildTools().filter((t) => t.annotations.readOnlyHint);
const pathTemplate = (tool: (typeof readTools)[number]) =>
  new RegExp(`^${tool.spec.path.replace(/\{\w+\}/g, "[^/]+")}$`);

describe("tool arguments (read tools: their calls may reach Okta, but only their own endpoint)", () => {
  it("any string as any path argument: refused before Okta, or sent to the tool's own path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...readTools), hostileString, async (tool, value) => {
        const pathParams = tool.spec.params.filter((p) => p.in === "path");
        fc.pre(pathParams.length > 0);
        const args: Record<string, unknown> = {};
        for (const p of pathParams) args[p.name] = value;
        const before = harness.okta.state.journal.list().length;
        const result = await client.callTool({ name: tool.name, arguments: args });
        counts.cases++;
        const sent = harness.okta.state.journal.list().slice(before);
        if (result.isError) {
          const status = structured<{ statusCode: number }>(result).statusCode;
          expectNoServerError(status);
          if (sent.length === 0) counts.refused++;
        } else counts.accepted++;
        // Whatever happened, nothing outside the tool's endpoint was asked of Okta.
        for (const entry of sent) expect(entry.path).toMatch(pathTemplate(tool));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("arbitrary JSON as arguments to every tool: an answer, never a crash or a 5xx from the gateway", async () => {
    const jsonValue = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      fc.object({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...readTools),
        fc.dictionary(fc.string({ maxLength: 12 }), jsonValue, { maxKeys: 4 }),
        async (tool, args) => {
          const before = snapshot(harness.okta.state.org);
          const result = await client.callTool({ name: tool.name, arguments: args });
          counts.cases++;
          if (result.isError) {
            const status = structured<{ statusCode: number }>(result).statusCode;
            expectNoServerError(status);
          }
          const changed = JSON.stringify(snapshot(harness.okta.state.org)) !== JSON.stringify(before);
          if (changed) counts.stateChanges++;
          expect(changed).toBe(false);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

/** A request to the fake Okta with the harness's token. */
const okta = (path: string, init: RequestInit = {}) =>
  fetch(`${harness.okta.url}${path}`, {
    ...init,
    headers: { authorization: `SSWS ${harness.okta.token}`, ...(init.headers ?? {}) },
  });

describe("the fake Okta's routes", () => {
  it("any query string on the list routes: never a 5xx, never a change", async () => {
    const param = fc.constantFrom(
      "q",
      "filter",
      "search",
      "limit",
      "after",
      "sortBy",
      "sortOrder",
      "since",
      "until",
      "expand",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/users", "/api/v1/groups", "/api/v1/logs"),
        fc.array(fc.tuple(param, hostileString), { maxLength: 4 }),
        async (route, pairs) => {
          const query = new URLSearchParams(pairs).toString();
          const before = snapshot(harness.okta.state.org);
          const response = await okta(`${route}?${query}`);
          counts.cases++;
          expectNoServerError(response.status, `${route}?${query}`);
          expect(snapshot(harness.okta.state.org)).toEqual(before);
        },
      ),
      { numRuns: 200, seed: 13 },
    );
  });

  it("any spelling of a path (escaped letters, either hex case, doubled slashes): 401 without the token; with it, the answer and bucket of the path it spells", async () => {
    // RFC 3986 §6.2.2: an escaped unreserved character is that character. Each path is spelled
    // with some of its letters escaped; the fake Okta must read it as the path it spells.
    const paths = [
      "/api/v1/users",
      "/api/v1/groups",
      "/api/v1/logs",
      "/api/v1/apps",
      "/api/v1/users/ada@company.com",
    ];
    const spelled = fc
      .tuple(
        fc.constantFrom(...paths),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([path, escaped, upper, doubled]) => {
        const text = [...path]
          .map((ch, i) =>
            /[a-z0-9]/i.test(ch) && escaped[i % escaped.length]
              ? `%${ch.charCodeAt(0).toString(16)[upper ? "toUpperCase" : "toLowerCase"]()}`
              : ch,
          )
          .join("");
        return { path, text: doubled ? text.replace("/v1/", "//v1/") : text };
      });
    const bucketOf = async (url: string, token: boolean) => {
      const before = harness.okta.state.journal.list().length;
      const response = await fetch(`${harness.okta.url}${url}`, {
        headers: token ? { authorization: `SSWS ${harness.okta.token}` } : {},
      });
      await response.arrayBuffer();
      const entries = harness.okta.state.journal.list().slice(before);
      return { status: response.status, bucket: entries.at(-1)?.bucket };
    };
    await fc.assert(
      fc.asyncProperty(spelled, async ({ path, text }) => {
        counts.cases++;
        const before = snapshot(harness.okta.state.org);
        const anonymous = await bucketOf(text, false);
        expectNoServerError(anonymous.status, text);
        expect(anonymous.status, text).toBe(401);
        const canonical = await bucketOf(path, true);
        const escaped = await bucketOf(text, true);
        expect({ status: escaped.status, bucket: escaped.bucket }, text).toEqual(canonical);
        expect(snapshot(harness.okta.state.org)).toEqual(before);
        counts.refused++;
      }),
      { numRuns: 150, seed: 29 },
    );
  });

  it("any JSON body to the user update and create routes: a 4xx with Okta's error shape changes nothing", async () => {
    const ada = harness.okta.state.org.getUser("ada@company.com");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(`/api/v1/users/${ada.id}`, "/api/v1/users"),
        fc.jsonValue({ maxDepth: 4 }),
        async (route, body) => {
          const before = snapshot(harness.okta.state.org);
          const response = await okta(route, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          counts.cases++;
          expectNoServerError(response.status);
          if (response.status >= 400) {
            counts.refused++;
            expect(await response.json()).toMatchObject({ errorCode: expect.stringMatching(/^E\d{7}$/) });
            expect(snapshot(harness.okta.state.org)).toEqual(before);
          }
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});

describe("the app, policy, factor and role write routes (Okta's SDK surface)", () => {
  it("any JSON, or a valid body with one field made hostile: no 5xx; a refusal is Okta's error and changes nothing", async () => {
    const { org } = harness.okta.state;
    const post = async (url: string, body: unknown, method = "POST") =>
      okta(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const app = (await (
      await post("/api/v1/apps", {
        name: "okta_org2org",
        label: "Property target",
        signOnMode: "SAML_2_0",
        settings: {},
      })
    ).json()) as { id: string };
    const ada = org.getUser("ada@company.com");
    const group = org.groups.find((g) => g.type === "OKTA_GROUP");
    const mfa = org.policies.defaultOf("MFA_ENROLL");
    const routes: { url: string; method?: string; valid: Record<string, unknown> }[] = [
      {
        url: "/api/v1/apps",
        valid: {
          name: "bookmark",
          label: "B",
          signOnMode: "BOOKMARK",
          settings: { app: { url: "https://e.x" } },
        },
      },
      {
        url: `/api/v1/apps/${app.id}`,
        method: "PUT",
        valid: { name: "okta_org2org", label: "Property target", signOnMode: "SAML_2_0", settings: {} },
      },
      { url: `/api/v1/apps/${app.id}/credentials/csrs`, valid: { subject: { commonName: "SP" } } },
      { url: `/api/v1/apps/${app.id}/grants`, valid: { issuer: "https://x", scopeId: "okta.users.read" } },
      { url: `/api/v1/apps/${app.id}/federated-claims`, valid: { name: "c", expression: "1" } },
      {
        url: `/api/v1/meta/schemas/apps/${app.id}/default`,
        valid: { definitions: { custom: { properties: { p: { title: "P", type: "string" } } } } },
      },
      { url: `/api/v1/apps/${app.id}/connections/default`, valid: { profile: { authScheme: "TOKEN" } } },
      { url: "/api/v1/policies", valid: { type: "ACCESS_POLICY", name: "P" } },
      {
        url: `/api/v1/policies/${mfa?.id}`,
        method: "PUT",
        valid: { type: "MFA_ENROLL", name: "Default Policy" },
      },
      {
        url: `/api/v1/users/${ada.id}/factors`,
        valid: { factorType: "question", profile: { question: "q", answer: "abcd" } },
      },
      { url: `/api/v1/groups/${group?.id}/roles`, valid: { type: "USER_ADMIN" } },
    ];
    const hostileValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.constant(null));
    const body = (valid: Record<string, unknown>) =>
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc
          .tuple(fc.constantFrom(...Object.keys(valid)), hostileValue)
          .map(([field, value]) => ({ ...valid, [field]: value })),
      );
    // Everything these routes can change, as one string.
    const state = () =>
      JSON.stringify([
        org.apps.apps.map((a) => [a.id, a.label, a.settings, a.credentials]),
        org.apps.apps.map((a) => {
          const r = org.apps.resources(a);
          return [
            r.keys.length,
            r.csrs.length,
            r.grants,
            r.claims,
            [...r.customProperties],
            r.connectionStatus,
          ];
        }),
        org.policies.policies,
        org.factors(ada.id),
        org.groupRoles(group?.id as string),
      ]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes).chain((route) => body(route.valid).map((b) => ({ route, b }))),
        async ({ route, b }) => {
          const before = state();
          const response = await post(route.url, b, route.method);
          counts.cases++;
          expectNoServerError(response.status, `${route.url} ${JSON.stringify(b)}`);
          if (response.status >= 400) {
            counts.refused++;
            expect(await response.json()).toMatchObject({ errorCode: expect.stringMatching(/^E\d{7}$/) });
            expect(state(), `${route.url} ${JSON.stringify(b)}`).toBe(before);
          } else counts.accepted++;
        },
      ),
      { numRuns: 250, seed: 23 },
    );
  });
});

describe("the admin APIs", () => {
  it("any JSON to the fake Okta's /faults, /limits and /reset and the gateway's /mcp-servers: no 5xx; a refusal changes nothing", async () => {
    const targets = [
      { url: () => `${harness.okta.adminUrl}/faults`, method: "PUT" },
      { url: () => `${harness.okta.adminUrl}/limits`, method: "PUT" },
      { url: () => `${harness.okta.adminUrl}/reset`, method: "POST" },
      { url: () => `${harness.gateway.adminUrl}/mcp-servers`, method: "POST" },
    ];
    const state = () =>
      JSON.stringify([
        harness.okta.state.limiter.config,
        harness.okta.state.faults.active,
        snapshot(harness.okta.state.org).users?.length,
      ]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.jsonValue({ maxDepth: 4 }), async (target, body) => {
        const before = state();
        const response = await fetch(target.url(), {
          method: target.method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        counts.cases++;
        expectNoServerError(response.status);
        if (response.status >= 400) {
          counts.refused++;
          expect(state()).toBe(before);
        }
      }),
      { numRuns: 200, seed: 19 },
    );
  });
});
