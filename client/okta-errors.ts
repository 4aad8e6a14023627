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

/** What a failed call's text says, read back: for scripts that act on a refusal's code. */
export interface ToolErrorFacts {
  /** Who refused: Okta, the gateway itself, a rate limit the client could not absorb, the client. */
  source: "okta" | "gateway" | "rate_limit" | "client";
  /** Okta's error code (E0000001…), when Okta gave one. */
  code?: string;
  /** The HTTP status, when known. */
  status?: number;
  summary: string;
  retryAfterS?: number;
}

/** Reads the texts above back into facts; undefined for any other text (a successful output). */
export function readToolError(text: string): ToolErrorFacts | undefined {
  // The status in parentheses, when it is one (a gateway may write a word there).
  const status = (raw = "") => (/^\d+$/.test(raw) ? { status: Number(raw) } : {});
  const okta =
    /^Error from Okta(?: (E\d+))? \(([^)]*)\): ([\s\S]*?)\. (?:Do not repeat|Nothing has that id|The user already has)/.exec(
      text,
    );
  if (okta)
    return {
      source: "okta",
      ...(okta[1] ? { code: okta[1] } : {}),
      ...status(okta[2]),
      summary: okta[3] ?? "",
    };
  const gateway = /^Error from the MCP gateway \(([^)]*)\): ([\s\S]*?)\. Okta was not called/.exec(text);
  if (gateway)
    return {
      source: "gateway",
      ...status(gateway[1]),
      summary: gateway[2] ?? "",
    };
  const limited = /^Rate limited by Okta: try \S+ again in (?:(\d+) s|a while)/.exec(text);
  if (limited)
    return {
      source: "rate_limit",
      status: 429,
      summary: "rate limited",
      ...(limited[1] ? { retryAfterS: Number(limited[1]) } : {}),
    };
  const failed = /^Error: \S+ failed \(([\s\S]*)\)\. It may not have run/.exec(text);
  if (failed) return { source: "client", summary: failed[1] ?? "" };
  return undefined;
}
