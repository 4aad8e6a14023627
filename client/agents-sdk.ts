import type { Tool } from "@modelcontextprotocol/client";
import { type FunctionTool, tool } from "@openai/agents";
import type { PacedClient } from "./client.js";
import { modelTools } from "./openai.js";
import { runToolForModel } from "./tool-runner.js";

/**
 * The gateway's tools as `@openai/agents` function tools (`paceline/agents`): an `Agent` calls
 * them through paceline's client, so its calls are paced, retried where safe, drained when
 * `pagination.autoDrain` is on, and their failures come back as actionable text.
 *
 *   const agent = new Agent({ name: "okta", instructions, tools: agentsTools(client) });
 */
export function agentsTools(
  client: PacedClient,
  options: { filter?: (tool: Tool) => boolean } = {},
): FunctionTool[] {
  return modelTools(client, options.filter).map(({ mcpTool, name, description, parameters }) => {
    const schema = parameters as { properties: Record<string, Record<string, unknown>>; required: string[] };
    return tool({
      name,
      description,
      // Gateway schemas are not written for strict mode (optional fields, open objects).
      strict: false,
      parameters: { ...schema, type: "object", additionalProperties: true },
      execute: async (input) =>
        (await runToolForModel(client, mcpTool, (input ?? {}) as Record<string, unknown>)).output,
    }) as FunctionTool;
  });
}
