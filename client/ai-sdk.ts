import type { Tool } from "@modelcontextprotocol/client";
import { dynamicTool, jsonSchema, type ToolSet } from "ai";
import type { PacedClient } from "./client.js";
import { modelTools } from "./openai.js";
import { runToolForModel } from "./tool-runner.js";

/**
 * The gateway's tools as a Vercel AI SDK tool set (`paceline/ai-sdk`), for `generateText` or
 * `streamText`: each call goes through paceline's client (paced, retried where safe, drained when
 * `pagination.autoDrain` is on) and a failure comes back as text the model can act on.
 *
 *   const { text } = await generateText({ model, tools: aiSdkTools(client), prompt });
 */
export function aiSdkTools(client: PacedClient, options: { filter?: (tool: Tool) => boolean } = {}): ToolSet {
  return Object.fromEntries(
    modelTools(client, options.filter).map(({ mcpTool, name, description, parameters }) => [
      name,
      dynamicTool({
        description,
        inputSchema: jsonSchema(parameters),
        execute: async (input) =>
          (await runToolForModel(client, mcpTool, (input ?? {}) as Record<string, unknown>)).output,
      }),
    ]),
  );
}
