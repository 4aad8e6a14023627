import type { CallToolResult } from "@modelcontextprotocol/client";
import { resultJson } from "./backoff/result-signal.js";

/**
 * What a model reads when a call fails, in one place for every adapter (OpenAI function tools,
 * @openai/agents, the Vercel AI SDK): Okta's error code and summary and what to do instead, a rate
 * limit the client could not absorb, or a call that may not have run.
 */
const LIFECYCLE_CODES = new Set(["E0000001", "E0000016", "E0000017", "E0000032", "E0000038"]);

/** An `isError` result: Okta's code and summary (from the gateway's envelope), and the next step. */
export function explainToolError(result: CallToolResult): string {
  const envelope = resultJson(result) ?? {};
  const raw = (envelope.raw_response ?? {}) as {
    errorCode?: string;
    errorSummary?: string;
    errorCauses?: { errorSummary?: string }[];
  };
  const code = raw.errorCode;
  const summary = [
    raw.errorSummary ?? envelope.message ?? "unknown error",
    ...(raw.errorCauses ?? []).map((c) => c.errorSummary),
  ]
    .filter(Boolean)
    .join(". ");
  // `truto_is_remote_error: false`: the gateway refused the call itself (a bad argument, a cursor
  // sent with other arguments); Okta never saw it, and the model should fix the call, not Okta's state.
  if (envelope.truto_is_remote_error === false)
    return `Error from the MCP gateway (${String(envelope.statusCode ?? "?")}): ${summary}. Okta was not called: correct the arguments and call again.`;
  const parts = [
    `Error from Okta${code ? ` ${code}` : ""} (${String(envelope.statusCode ?? "?")}): ${summary}.`,
  ];
  // E0000001 is any validation failure; only a status refusal gets the lifecycle advice.
  const aboutStatus = code !== "E0000001" || /suspend|activ|status|lifecycle/i.test(summary);
  if (code && LIFECYCLE_CODES.has(code) && aboutStatus) {
    parts.push(
      "Do not repeat this call: read the user's current status, then choose the operation that status accepts (see the tool descriptions), or report it.",
    );
  } else if (code === "E0000007") {
    parts.push("Nothing has that id: look it up first with a list tool (q or search) and use the exact id.");
  } else if (code === "E0000090") {
    parts.push("The user already has this role: nothing to do.");
  } else {
    parts.push("Do not repeat the call unchanged.");
  }
  return parts.join(" ");
}

export function explainRateLimit(tool: string, retryAfterMs: number | undefined): string {
  const seconds = retryAfterMs === undefined ? "a while" : `${Math.ceil(retryAfterMs / 1000)} s`;
  return `Rate limited by Okta: try ${tool} again in ${seconds}, or continue with other work first.`;
}

export function explainFailure(tool: string, error: unknown): string {
  return `Error: ${tool} failed (${(error as Error).message}). It may not have run; check the current state before repeating a change.`;
}
