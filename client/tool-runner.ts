import type { CallToolResult, Tool } from "@modelcontextprotocol/client";
import type { PacedClient } from "./client.js";
import { RateLimitedError } from "./errors.js";
import { explainFailure, explainRateLimit, explainToolError } from "./okta-errors.js";

/**
 * One tool call on a model's behalf, for every agent-SDK adapter: paced and retried by the client,
 * a list tool drained when `pagination.autoDrain` is on, and the outcome as text the model reads
 * plus the kind of error it reports (never a throw).
 */

/**
 * Why an output the model sees is an error: `rate_limited` (a 429 the client could not absorb),
 * `server` (the tool ran and the server refused, e.g. an Okta error), `failed` (the call may not
 * have run: transport, timeout), `bad_call` (no such tool, arguments not JSON). Harnesses count
 * these instead of parsing the output's wording.
 */
export type ToolErrorKind = "rate_limited" | "server" | "failed" | "bad_call";

/** One tool call's result for the model: the text it reads, and whether that text reports an error. */
export interface ToolOutcome {
  output: string;
  error?: ToolErrorKind;
}

/** A list tool takes the cursor argument (`pagination.cursorArgument`, default `next_cursor`). */
export function isListTool(tool: Tool, cursorArgument = "next_cursor"): boolean {
  const properties = (tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {};
  return cursorArgument in properties;
}

function resultText(result: CallToolResult): string {
  const text = result.content?.find((block) => block.type === "text");
  if (text && "text" in text) return text.text;
  return JSON.stringify(result.structuredContent ?? {});
}

/** All pages merged into one result, with `truncated` when a cap cut it short. */
async function drainForModel(
  client: PacedClient,
  tool: string,
  args: Record<string, unknown>,
): Promise<string> {
  const drained = await client.drain(tool, args);
  return JSON.stringify({
    result: drained.items,
    [client.cursorArgument]: null,
    pages: drained.pages,
    truncated: drained.truncated,
    ...(drained.stopReason !== "end" ? { stop_reason: drained.stopReason } : {}),
  });
}

export async function runToolForModel(
  client: PacedClient,
  tool: Tool,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  try {
    const cursorArgument = client.cursorArgument;
    if (
      client.options.pagination?.autoDrain &&
      isListTool(tool, cursorArgument) &&
      args[cursorArgument] === undefined
    )
      return { output: await drainForModel(client, tool.name, args) };
    const result = await client.callTool(tool.name, args);
    return result.isError
      ? { output: explainToolError(result), error: "server" }
      : { output: resultText(result) };
  } catch (error) {
    if (error instanceof RateLimitedError)
      return { output: explainRateLimit(tool.name, error.retryAfterMs), error: "rate_limited" };
    return { output: explainFailure(tool.name, error), error: "failed" };
  }
}
