import type { Tool } from "@modelcontextprotocol/client";
import { dynamicTool, jsonSchema, type ToolSet } from "ai";
import type { PacedClient } from "./client.js";
import { cleanSchema, functionName } from "./openai.js";
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
    client
      .listTools()
      .filter(options.filter ?? (() => true))
      .map((mcpTool) => [
        functionName(mcpTool.name),
        dynamicTool({
          description: (mcpTool.description ?? mcpTool.name).slice(0, 1024),
          inputSchema: jsonSchema(cleanSchema(mcpTool.inputSchema)),
          execute: async (input) =>
            (await runToolForModel(client, mcpTool, (input ?? {}) as Record<string, unknown>)).output,
        }),
      ]),
  );
}
