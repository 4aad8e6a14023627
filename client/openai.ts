import type { Tool } from "@modelcontextprotocol/client";
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageCustomToolCall,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import type {
  FunctionTool,
  ResponseFunctionToolCall,
  ResponseInputItem,
} from "openai/resources/responses/responses";
import type { PacedClient } from "./client.js";
import { runToolForModel, type ToolOutcome } from "./tool-runner.js";

export type { ToolErrorKind, ToolOutcome } from "./tool-runner.js";

/**
 * Hands the gateway's tools to OpenAI: function tools for Chat Completions or the Responses API,
 * and a runner that executes the model's tool calls through the client's pacing and retries and
 * returns the messages to feed back. Errors come back as short, actionable text, never as throws.
 */
export type OpenAIToolCall = ChatCompletionMessageFunctionToolCall | ResponseFunctionToolCall;
export type OpenAIToolOutput = ChatCompletionToolMessageParam | ResponseInputItem.FunctionCallOutput;
/** What the SDK hands back for a turn's tool calls: Chat Completions' `message.tool_calls` or Responses' function calls. */
export type ModelToolCalls =
  | readonly (OpenAIToolCall | ChatCompletionMessageCustomToolCall)[]
  | null
  | undefined;

/** JSON Schema keywords OpenAI's function parameters reject or ignore. */
const DROP_KEYS = new Set([
  "$schema",
  "$id",
  "$comment",
  "examples",
  "readOnly",
  "writeOnly",
  "deprecated",
  "contentMediaType",
  "contentEncoding",
]);

export function cleanSchema(schema: unknown): Record<string, unknown> {
  const clean = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(clean);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) if (!DROP_KEYS.has(key)) out[key] = clean(value);
    return out;
  };
  const root = clean(schema) as Record<string, unknown>;
  const properties = (root.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(root.required)
    ? root.required.filter((name) => typeof name === "string" && name in properties)
    : [];
  return { ...root, type: "object", properties, required };
}

/** OpenAI function names allow `[a-zA-Z0-9_-]{1,64}`. */
export function functionName(toolName: string): string {
  return toolName.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
}

/** A gateway tool as every model-facing adapter presents it: a function name, description and JSON Schema. */
export interface ModelTool {
  mcpTool: Tool;
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export function modelTools(client: PacedClient, filter: (tool: Tool) => boolean = () => true): ModelTool[] {
  return client
    .listTools()
    .filter(filter)
    .map((mcpTool) => ({
      mcpTool,
      name: functionName(mcpTool.name),
      description: (mcpTool.description ?? mcpTool.name).slice(0, 1024),
      parameters: cleanSchema(mcpTool.inputSchema),
    }));
}

export class OpenAIAdapter {
  constructor(private readonly client: PacedClient) {}

  /** The tools as OpenAI function tools: `chat` (default) or `responses` shape. */
  tools(options: { format: "responses"; filter?: (tool: Tool) => boolean }): FunctionTool[];
  tools(options?: { format?: "chat"; filter?: (tool: Tool) => boolean }): ChatCompletionFunctionTool[];
  tools(
    options: { format?: "chat" | "responses"; filter?: (tool: Tool) => boolean } = {},
  ): (ChatCompletionFunctionTool | FunctionTool)[] {
    return modelTools(this.client, options.filter).map(({ name, description, parameters }) => {
      return options.format === "responses"
        ? { type: "function", name, description, parameters, strict: false }
        : { type: "function", function: { name, description, parameters } };
    });
  }

  /**
   * Runs the model's tool calls (concurrently, paced) and returns the messages to send back, in
   * order. Takes exactly what the SDK hands back (`message.tool_calls`, possibly undefined); a
   * custom (non-function) tool call gets an error message saying so.
   */
  async run(toolCalls: ModelToolCalls): Promise<OpenAIToolOutput[]> {
    return (await this.runDetailed(toolCalls)).map((r) => r.message);
  }

  /** As `run`, with each call's outcome (its error kind) beside the message. */
  async runDetailed(
    toolCalls: ModelToolCalls,
  ): Promise<{ message: OpenAIToolOutput; outcome: ToolOutcome }[]> {
    return Promise.all(
      (toolCalls ?? []).map(async (call) => {
        if ("custom" in call) {
          const outcome: ToolOutcome = {
            output: `Error: ${call.custom.name} is not one of the function tools you were given.`,
            error: "bad_call",
          };
          return { message: { role: "tool", tool_call_id: call.id, content: outcome.output }, outcome };
        }
        const isChat = "function" in call;
        const name = isChat ? call.function.name : call.name;
        const rawArgs = isChat ? call.function.arguments : call.arguments;
        const id = isChat ? call.id : call.call_id;
        const outcome = await this.execute(name, rawArgs);
        const message: OpenAIToolOutput = isChat
          ? { role: "tool", tool_call_id: id, content: outcome.output }
          : { type: "function_call_output", call_id: id, output: outcome.output };
        return { message, outcome };
      }),
    );
  }

  /** One call's output for the model, and whether it reports an error. */
  async execute(functionNameFromModel: string, rawArguments: string): Promise<ToolOutcome> {
    const tool = this.client.listTools().find((t) => functionName(t.name) === functionNameFromModel);
    if (!tool)
      return {
        output: `Error: there is no tool named ${functionNameFromModel}. Use one of the tools you were given.`,
        error: "bad_call",
      };
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      args = parsed as Record<string, unknown>;
    } catch {
      return {
        output: `Error: the arguments for ${tool.name} are not a JSON object. Send them again as JSON.`,
        error: "bad_call",
      };
    }
    return runToolForModel(this.client, tool, args);
  }
}
