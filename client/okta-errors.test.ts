import { describe, expect, it } from "vitest";
import { explainFailure, explainRateLimit, explainToolError, readToolError } from "./okta-errors.js";

/** What the model reads for an isError result: whose refusal it was, and what to do. */
const result = (envelope: Record<string, unknown>) => ({
  isError: true,
  content: [{ type: "text" as const, text: JSON.stringify(envelope) }],
});

describe("explaining a failed call to the model", () => {
  it("a refusal by the gateway itself is labelled as the gateway's: Okta was not called", () => {
    const text = explainToolError(
      result({
        statusCode: 400,
        error: "Bad Request",
        message: "next_cursor was issued for other arguments: send the same other arguments",
        truto_is_remote_error: false,
      }),
    );
    expect(text).toBe(
      "Error from the MCP gateway (400): next_cursor was issued for other arguments: send the same other arguments. Okta was not called: correct the arguments and call again.",
    );
  });

  it("an error Okta answered keeps Okta's code and the lifecycle advice", () => {
    const text = explainToolError(
      result({
        statusCode: 400,
        truto_is_remote_error: true,
        raw_response: {
          errorCode: "E0000001",
          errorSummary: "Api validation failed: suspendUser",
          errorCauses: [{ errorSummary: "Cannot suspend a user that is not active" }],
        },
      }),
    );
    expect(text).toMatch(
      /^Error from Okta E0000001 \(400\): Api validation failed: suspendUser\. Cannot suspend a user that is not active\. Do not repeat this call/,
    );
  });

  it("each kind of text reads back into its facts (for scripts that act on a refusal's code)", () => {
    const okta = explainToolError(
      result({
        statusCode: 400,
        raw_response: {
          errorCode: "E0000001",
          errorSummary: "Api validation failed: suspendUser",
          errorCauses: [{ errorSummary: "Cannot suspend a user that is not active" }],
        },
      }),
    );
    expect(readToolError(okta)).toEqual({
      source: "okta",
      code: "E0000001",
      status: 400,
      summary: "Api validation failed: suspendUser. Cannot suspend a user that is not active",
    });
    const gateway = explainToolError(
      result({ statusCode: 400, message: "unknown argument: colour", truto_is_remote_error: false }),
    );
    expect(readToolError(gateway)).toEqual({
      source: "gateway",
      status: 400,
      summary: "unknown argument: colour",
    });
    expect(readToolError(explainRateLimit("list_users", 2500))).toEqual({
      source: "rate_limit",
      status: 429,
      summary: "rate limited",
      retryAfterS: 3,
    });
    expect(readToolError(explainFailure("list_users", new Error("socket hang up")))).toEqual({
      source: "client",
      summary: "socket hang up",
    });
    expect(readToolError('{"id":"00u1"}')).toBeUndefined();
  });
});
