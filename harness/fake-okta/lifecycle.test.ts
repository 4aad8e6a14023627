import { describe, expect, it } from "vitest";
import { LIFECYCLE_OPERATIONS, type LifecycleOperation } from "./lifecycle.js";
import { USER_STATUSES, type UserStatus } from "./model.js";
import { testApp } from "./test-helpers.js";

/** The refusal Okta gives for each operation from a status it does not accept (okta-api.md §1). */
const REFUSALS: Record<
  LifecycleOperation,
  { status: number; code: string; summary: string; cause?: string }
> = {
  activate: {
    status: 403,
    code: "E0000038",
    summary: "This operation is not allowed in the user's current status.",
  },
  reactivate: {
    status: 403,
    code: "E0000038",
    summary: "This operation is not allowed in the user's current status.",
  },
  deactivate: { status: 404, code: "E0000007", summary: "Not found: Resource not found: " },
  suspend: {
    status: 400,
    code: "E0000001",
    summary: "Api validation failed: suspendUser",
    cause: "Cannot suspend a user that is not active",
  },
  unsuspend: {
    status: 400,
    code: "E0000001",
    summary: "Api validation failed: unsuspendUser",
    cause: "Cannot unsuspend a user that is not suspended",
  },
  unlock: { status: 403, code: "E0000032", summary: "Unlock is not allowed for this user." },
  reset_password: { status: 403, code: "E0000017", summary: "Password reset failed" },
  expire_password: {
    status: 403,
    code: "E0000038",
    summary: "This operation is not allowed in the user's current status.",
  },
};

/**
 * The transitions, written out by hand from okta-api.md §1's lifecycle table (not read from the
 * table under test): the status after the call, or "-" where Okta refuses it, and the System Log
 * event it writes. For reset_password and expire_password the reference names no source statuses
 * beyond ACTIVE; the other cells of those two rows are the fake's documented choice.
 */
const TABLE = `
operation        ACTIVE           DEPROVISIONED  LOCKED_OUT     PASSWORD_EXPIRED  PROVISIONED    RECOVERY          STAGED         SUSPENDED      event
activate         -                ACTIVE         -              -                 -              -                 ACTIVE         -              user.lifecycle.activate
reactivate       -                -              -              -                 PROVISIONED    PROVISIONED       -              -              user.lifecycle.reactivate
deactivate       DEPROVISIONED    -              DEPROVISIONED  DEPROVISIONED     DEPROVISIONED  DEPROVISIONED     DEPROVISIONED  DEPROVISIONED  user.lifecycle.deactivate
suspend          SUSPENDED        -              -              -                 -              -                 -              -              user.lifecycle.suspend
unsuspend        -                -              -              -                 -              -                 -              ACTIVE         user.lifecycle.unsuspend
unlock           -                -              ACTIVE         -                 -              -                 -              -              user.account.unlock_by_admin
reset_password   RECOVERY         -              RECOVERY       RECOVERY          RECOVERY       RECOVERY          -              -              user.account.reset_password
expire_password  PASSWORD_EXPIRED -              -              PASSWORD_EXPIRED  -              PASSWORD_EXPIRED  -              -              user.account.expire_password
`;
const [HEADER = [], ...ROWS] = TABLE.trim()
  .split("\n")
  .map((line) => line.trim().split(/\s+/));

function expected(operation: LifecycleOperation, from: UserStatus): { after?: string; event: string } {
  const row = ROWS.find((cells) => cells[0] === operation);
  if (!row) throw new Error(`the table has no row for ${operation}`);
  const cell = row[HEADER.indexOf(from)];
  return { after: cell === "-" ? undefined : cell, event: row.at(-1) ?? "" };
}

const loginFor = (status: UserStatus) => `${status.toLowerCase()}@company.com`;

function everyStatusOrg() {
  return testApp({
    users: USER_STATUSES.map((status) => ({
      login: loginFor(status),
      firstName: "Test",
      lastName: status,
      status,
      sessions: status === "ACTIVE" ? 2 : 0,
    })),
  });
}

describe("lifecycle state machine", () => {
  it("the hand-written table covers every operation and status the fake knows", () => {
    expect(ROWS.map((row) => row[0]).sort()).toEqual([...LIFECYCLE_OPERATIONS].sort());
    expect(HEADER.slice(1, -1).sort()).toEqual([...USER_STATUSES].sort());
  });

  const cases = LIFECYCLE_OPERATIONS.flatMap((operation) =>
    USER_STATUSES.map((from) => ({ operation, from })),
  );

  it.each(cases)("$operation from $from", async ({ operation, from }) => {
    const { call, state } = everyStatusOrg();
    const login = loginFor(from);
    const logsBefore = state.org.logs.length;
    const response = await call("POST", `/api/v1/users/${login}/lifecycle/${operation}`);
    const after = (await call("GET", `/api/v1/users/${login}`)).body as { status: string };
    const want = expected(operation, from);
    if (want.after) {
      expect(response.status).toBe(200);
      expect(after.status).toBe(want.after);
      expect(state.org.logs.at(-1)?.eventType).toBe(want.event);
      expect(state.org.logs.at(-1)?.target[0]?.alternateId).toBe(login);
    } else {
      const refusal = REFUSALS[operation];
      // Activating an ACTIVE user has its own code.
      const expected =
        operation === "activate" && from === "ACTIVE"
          ? { status: 403, code: "E0000016", summary: "Activation failed because the user is already active" }
          : refusal;
      expect(response.status).toBe(expected.status);
      const body = response.body as {
        errorCode: string;
        errorSummary: string;
        errorCauses: { errorSummary: string }[];
      };
      expect(body.errorCode).toBe(expected.code);
      expect(body.errorSummary.startsWith(expected.summary)).toBe(true);
      if (refusal.cause && expected === refusal)
        expect(body.errorCauses).toEqual([{ errorSummary: refusal.cause }]);
      expect(after.status).toBe(from);
      expect(state.org.logs.length).toBe(logsBefore);
    }
  });

  it("suspend keeps sessions; clearing them is a separate call; deactivate drops what is left", async () => {
    const { call, state } = everyStatusOrg();
    const user = state.org.getUser(loginFor("ACTIVE"));
    await call("POST", `/api/v1/users/${user.id}/lifecycle/suspend`);
    expect(state.org.sessions(user.id)).toHaveLength(2);
    expect((await call("DELETE", `/api/v1/users/${user.id}/sessions`)).status).toBe(204);
    expect(state.org.sessions(user.id)).toHaveLength(0);
    expect(state.org.logs.at(-1)?.eventType).toBe("user.session.clear");
  });

  it("activation answers with a token only when sendEmail=false, and without a password lands in PROVISIONED", async () => {
    const { call, state } = testApp({
      users: [
        { login: "a@company.com", firstName: "A", lastName: "A", status: "STAGED", password: false },
        { login: "b@company.com", firstName: "B", lastName: "B", status: "STAGED" },
      ],
    });
    const a = await call("POST", "/api/v1/users/a@company.com/lifecycle/activate?sendEmail=false");
    expect(a.body).toMatchObject({
      activationToken: expect.any(String),
      activationUrl: expect.stringContaining("/welcome/"),
    });
    expect(state.org.getUser("a@company.com").status).toBe("PROVISIONED");
    const b = await call("POST", "/api/v1/users/b@company.com/lifecycle/activate");
    expect(b.body).toEqual({});
    expect(state.org.getUser("b@company.com").status).toBe("ACTIVE");
    expect(state.org.getUser("b@company.com").activated).not.toBeNull();
  });

  it("expire_password returns the whole user, now PASSWORD_EXPIRED", async () => {
    const { call } = everyStatusOrg();
    const response = await call("POST", `/api/v1/users/${loginFor("ACTIVE")}/lifecycle/expire_password`);
    expect(response.body).toMatchObject({
      status: "PASSWORD_EXPIRED",
      profile: { login: loginFor("ACTIVE") },
    });
  });

  it("DELETE deactivates first, deletes on the second call, then the user is gone", async () => {
    const { call, state } = everyStatusOrg();
    const login = loginFor("ACTIVE");
    const first = await call("DELETE", `/api/v1/users/${login}`);
    expect(first.status).toBe(204);
    expect(first.raw).toBe("");
    expect(state.org.getUser(login).status).toBe("DEPROVISIONED");
    expect((await call("DELETE", `/api/v1/users/${login}`)).status).toBe(204);
    const gone = await call("GET", `/api/v1/users/${login}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      errorCode: "E0000007",
      errorSummary: `Not found: Resource not found: ${login} (User)`,
    });
    expect(state.org.logs.at(-1)?.eventType).toBe("user.lifecycle.delete.completed");
  });

  it("an unknown operation is Okta's 404, not a crash", async () => {
    const { call } = everyStatusOrg();
    const response = await call("POST", `/api/v1/users/${loginFor("ACTIVE")}/lifecycle/explode`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ errorCode: "E0000008" });
  });

  it("a lifecycle change is visible to later reads, lists and the System Log API", async () => {
    const { call } = everyStatusOrg();
    const login = loginFor("ACTIVE");
    await call("POST", `/api/v1/users/${login}/lifecycle/suspend`);
    const suspended = (await call("GET", '/api/v1/users?filter=status eq "SUSPENDED"')).body as {
      profile: { login: string };
    }[];
    expect(suspended.map((u) => u.profile.login)).toContain(login);
    const events = (await call("GET", '/api/v1/logs?filter=eventType eq "user.lifecycle.suspend"')).body as {
      target: { alternateId: string }[];
    }[];
    expect(events.map((e) => e.target[0]?.alternateId)).toEqual([login]);
  });
});
