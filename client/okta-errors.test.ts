import { describe, expect, it } from "vitest";
import { explainToolError } from "./okta-errors.js";

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
});
