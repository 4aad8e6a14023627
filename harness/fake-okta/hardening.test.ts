import { describe, expect, it } from "vitest";
import { snapshot } from "./snapshot.js";
import { JANE, testApp } from "./test-helpers.js";

/** Careless and hostile input to the fake Okta (issue #10): a clear 4xx, no 5xx, and no state change. */
describe("the fake Okta under bad input", () => {
  it("duplicated query parameters count once, by their first value: no 500", async () => {
    const { call } = testApp(JANE);
    for (const url of [
      "/api/v1/users?q=jane&q=sam",
      "/api/v1/users?sortBy=profile.login&sortBy=id&search=status%20eq%20%22ACTIVE%22",
      "/api/v1/users?limit=2&limit=3",
    ]) {
      const response = await call("GET", url);
      expect(response.status, url).toBeLessThan(500);
    }
    const first = await call("GET", "/api/v1/users?limit=1&limit=3");
    expect((first.body as unknown[]).length).toBe(1);
  });

  it("a lifecycle call with duplicated flags changes the user once, or not at all: never then fails", async () => {
    const { call, state } = testApp(JANE);
    const response = await call(
      "POST",
      "/api/v1/users/staged.sam@company.com/lifecycle/activate?sendEmail=false&sendEmail=true",
    );
    expect(response.status).toBe(200);
    // The first value (false) decided: the activation token came back.
    expect(response.body).toHaveProperty("activationToken");
    expect(state.org.getUser("staged.sam@company.com").status).not.toBe("STAGED");
  });

  it("POST /__admin/reset without a fixture is refused and the org is untouched", async () => {
    const { app, state } = testApp(JANE);
    const before = snapshot(state.org);
    for (const payload of [undefined, "null", '"x"', "[]"]) {
      const response = await app.inject({
        method: "POST",
        url: "/__admin/reset",
        headers: payload === undefined ? {} : { "content-type": "application/json" },
        ...(payload === undefined ? {} : { payload }),
      });
      expect(response.statusCode, String(payload)).toBe(400);
      expect(response.json().message).toMatch(/fixture/);
    }
    expect(snapshot(state.org)).toEqual(before);
  });

  it("a body over 1 MiB is refused with 413 before anything runs", async () => {
    const { call, state } = testApp(JANE);
    const before = snapshot(state.org);
    const huge = JSON.stringify({ profile: { firstName: "x".repeat(1024 * 1024 + 10) } });
    const response = await call("POST", "/api/v1/users/jane.doe@company.com", huge);
    expect(response.status).toBe(413);
    expect(snapshot(state.org)).toEqual(before);
  });
});
