import { describe, expect, it } from "vitest";
import { buildOrg } from "./seed.js";
import { JANE, testApp } from "./test-helpers.js";

/** Factors (issue #11): list, reset one, reset all — and a seeded, deterministic mix. */
const withFactors = {
  users: [
    { login: "f@company.com", firstName: "F", lastName: "G", factors: ["push" as const, "sms" as const] },
  ],
};

describe("a user's factors", () => {
  it("lists the enrolled factors in Okta's UserFactor shape", async () => {
    const { call } = testApp(withFactors);
    const response = await call("GET", "/api/v1/users/f@company.com/factors");
    expect(response.status).toBe(200);
    const factors = response.body as { id: string; factorType: string; provider: string; status: string }[];
    expect(factors.map((f) => f.factorType)).toEqual(["push", "sms"]);
    expect(factors[0]).toMatchObject({
      id: expect.stringMatching(/^opf\w{17}$/),
      provider: "OKTA",
      status: "ACTIVE",
    });
    expect(factors[1]?.id).toMatch(/^mbl\w{17}$/);
  });

  it("GETs Okta serves: one factor (404 E0000007 when unknown), and the catalog of factors still to enroll", async () => {
    const { call } = testApp(withFactors);
    const [push] = (await call("GET", "/api/v1/users/f@company.com/factors")).body as { id: string }[];
    const one = await call("GET", `/api/v1/users/f@company.com/factors/${push?.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: push?.id, factorType: "push", provider: "OKTA" });
    const unknown = await call("GET", "/api/v1/users/f@company.com/factors/opfnosuchfactor12345");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ errorCode: "E0000007" });
    const catalog = (await call("GET", "/api/v1/users/f@company.com/factors/catalog")).body as {
      factorType: string;
      _links: { enroll: { hints: { allow: string[] } } };
    }[];
    const types = catalog.map((f) => f.factorType);
    expect(types).not.toContain("push");
    expect(types).not.toContain("sms");
    expect(types).toContain("token:software:totp");
    expect(catalog[0]?._links.enroll.hints.allow).toEqual(["POST"]);
  });

  it("DELETE resets one factor (204); an unknown factor is 404 E0000007", async () => {
    const { call, state } = testApp(withFactors);
    const [push] = (await call("GET", "/api/v1/users/f@company.com/factors")).body as { id: string }[];
    expect((await call("DELETE", `/api/v1/users/f@company.com/factors/${push?.id}`)).status).toBe(204);
    const user = state.org.getUser("f@company.com");
    expect(state.org.factors(user.id).map((f) => f.factorType)).toEqual(["sms"]);
    const again = await call("DELETE", `/api/v1/users/f@company.com/factors/${push?.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ errorCode: "E0000007" });
  });

  it("reset_factors removes every enrolment and leaves the status as it was", async () => {
    const { call, state } = testApp(withFactors);
    const response = await call("POST", "/api/v1/users/f@company.com/lifecycle/reset_factors");
    expect(response.status).toBe(200);
    const user = state.org.getUser("f@company.com");
    expect(state.org.factors(user.id)).toEqual([]);
    expect(user.status).toBe("ACTIVE");
    expect(state.org.logs.at(-1)?.eventType).toBe("user.mfa.factor.reset_all");
  });

  it("the generator seeds a realistic mix, the same for the same seed, and none for users who cannot sign in", () => {
    const fixture = { seed: 42, now: "2026-11-28T12:00:00Z", generate: { users: 500, logs: 0 } };
    const a = buildOrg(fixture);
    const b = buildOrg(fixture);
    const mix = (org: typeof a) =>
      org.users.map((u) =>
        org
          .factors(u.id)
          .map((f) => `${f.id}:${f.factorType}`)
          .join(","),
      );
    expect(mix(a)).toEqual(mix(b));
    const enrolled = a.users.filter((u) => a.factors(u.id).length > 0);
    expect(enrolled.length).toBeGreaterThan(300);
    expect(a.users.filter((u) => u.status === "STAGED").every((u) => a.factors(u.id).length === 0)).toBe(
      true,
    );
    const pushShare =
      a.users.filter((u) => a.factors(u.id).some((f) => f.factorType === "push")).length / enrolled.length;
    expect(pushShare).toBeGreaterThan(0.5);
  });

  it("adding factors left every other seeded value as it was (separate random streams)", () => {
    const org = buildOrg({ seed: 42, now: "2026-11-28T12:00:00Z", generate: { users: 5, logs: 5 } });
    // Printed by the build before factors existed (seed 42, 5 users, 5 log events).
    expect(org.users.map((u) => u.id)).toEqual([
      "00uRzdDxE31cfwxvWZHA",
      "00uVWIQwREBIUqREWAdV",
      "00uxcfNdX73WjkOqd0ST",
      "00uwiksrPuSrJZJxPQwL",
      "00uVZLBIRJORQNNDs9nJ",
    ]);
    expect(org.logs.slice(0, 3).map((l) => l.uuid)).toEqual([
      "47efee48-1f72-435f-a593-c9f4fa8432fd",
      "37d43871-5f94-43ba-a2de-37e0427e53ea",
      "fbfe92c1-dd0b-4cf7-ac54-9ceb97dfc662",
    ]);
  });
});

describe("JANE has none unless asked", () => {
  it("an explicit fixture user without factors has an empty list", async () => {
    const { call } = testApp(JANE);
    expect((await call("GET", "/api/v1/users/jane.doe@company.com/factors")).body).toEqual([]);
  });
});

describe("enrolling a factor, as the org's authenticators and enrollment policy allow", () => {
  const enroll = (call: ReturnType<typeof testApp>["call"], body: unknown) =>
    call("POST", "/api/v1/users/f@company.com/factors", body);
  const cause = (response: { body: unknown }) =>
    (response.body as { errorCauses?: { errorSummary: string }[] }).errorCauses?.[0]?.errorSummary;

  it("a call factor starts pending, a security question active once its authenticator is; active ones list first", async () => {
    const { call, state } = testApp(withFactors);
    const pending = await enroll(call, {
      factorType: "call",
      provider: "OKTA",
      profile: { phoneNumber: "+1 555 0100" },
    });
    expect(pending.body).toMatchObject({
      factorType: "call",
      status: "PENDING_ACTIVATION",
      profile: { phoneNumber: "+1 555 0100" },
    });
    const question = {
      factorType: "question",
      provider: "OKTA",
      profile: { question: "disliked_food", answer: "pizza" },
    };
    // A new org's security question authenticator is inactive (Okta's SDK tests activate it first).
    expect(cause(await enroll(call, question))).toBe("Factor not enabled.");
    const authenticator = state.org.authenticators.byKey("security_question");
    expect(
      (await call("POST", `/api/v1/authenticators/${authenticator.id}/lifecycle/activate`)).body,
    ).toMatchObject({
      status: "ACTIVE",
      name: "Security Question",
    });
    const active = await enroll(call, question);
    expect(active.body).toMatchObject({ status: "ACTIVE", profile: { question: "disliked_food" } });
    expect(JSON.stringify(active.body)).not.toContain("pizza");
    const listed = (await call("GET", "/api/v1/users/f@company.com/factors")).body as {
      factorType: string;
    }[];
    expect(listed.map((f) => f.factorType)).toEqual(["push", "sms", "question", "call"]);
  });

  it("Okta's refusals: an unknown provider, a provider the type does not take, a duplicate, a missing phone, a short answer", async () => {
    const { call, state } = testApp(withFactors);
    const before = state.org.factors(state.org.getUser("f@company.com").id).length;
    expect(cause(await enroll(call, { factorType: "push", provider: "UNSUPPORTED_PROVIDER" }))).toBe(
      "Invalid Provider.",
    );
    expect(cause(await enroll(call, { factorType: "push", provider: "YUBICO" }))).toBe("Factor not enabled.");
    expect(cause(await enroll(call, { factorType: "push", provider: "OKTA" }))).toBe(
      "A factor of this type is already set up.",
    );
    expect(cause(await enroll(call, { factorType: "call", provider: "OKTA", profile: {} }))).toBe(
      "profile.phoneNumber: a value is required",
    );
    state.org.authenticators.setStatus(state.org.authenticators.byKey("security_question"), "ACTIVE");
    const short = await enroll(call, { factorType: "question", profile: { question: "q", answer: "pie" } });
    expect([short.status, cause(short)]).toEqual([400, "profile.answer: at least 4 characters are required"]);
    expect(state.org.factors(state.org.getUser("f@company.com").id)).toHaveLength(before);
  });

  it("the default enrollment policy decides: replaced without phone_number, a call factor is not enabled", async () => {
    const { call } = testApp(withFactors);
    const policies = (await call("GET", "/api/v1/policies?type=MFA_ENROLL")).body as {
      id: string;
      name: string;
      system: boolean;
      settings: { authenticators: { key: string }[] };
    }[];
    const [policy] = policies;
    expect(policies.map((p) => [p.name, p.system])).toEqual([["Default Policy", true]]);
    const replaced = {
      ...policy,
      settings: {
        type: "AUTHENTICATORS",
        authenticators: [{ key: "okta_verify", enroll: { self: "OPTIONAL" } }],
      },
    };
    expect((await call("PUT", `/api/v1/policies/${policy?.id}`, replaced)).status).toBe(200);
    const phone = { factorType: "call", profile: { phoneNumber: "+1 555 0100" } };
    expect(cause(await enroll(call, phone))).toBe("Factor not enabled.");
    expect(
      cause(await enroll(call, { factorType: "token:software:totp", provider: "OKTA" })),
    ).toBeUndefined();
    // An org's default policy stays; policies are listed one type at a time.
    expect((await call("DELETE", `/api/v1/policies/${policy?.id}`)).status).toBe(400);
    expect((await call("GET", "/api/v1/policies")).status).toBe(400);
  });
});
