import type OpenAI from "openai";
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { ResponseFunctionToolCall, ResponseInputItem } from "openai/resources/responses/responses";
import type { PacedClient } from "../../client/index.js";
import { DEFAULT_SYSTEM_PROMPT } from "./system-prompt.js";

/**
 * The agent loop: ask the model, run its tool calls through paceline's client, feed the results
 * back, and stop on a final answer or when a budget runs out. Chat Completions by default; the
 * Responses API when asked. The model is whatever the `openai` client points at.
 */
export interface AgentOptions {
  openai: OpenAI;
  model: string;
  client: PacedClient;
  prompt: string;
  systemPrompt?: string;
  api?: "chat" | "responses";
  /** Model turns at most. Default 20. */
  maxTurns?: number;
  /** Tool calls at most, over the whole run. Default 100. */
  maxToolCalls?: number;
}

export interface ToolCallRecord {
  turn: number;
  name: string;
  arguments: string;
  output: string;
}

export interface AgentRun {
  answer: string;
  turns: number;
  toolCalls: ToolCallRecord[];
  /** Why the loop ended. */
  stop: "answer" | "max_turns" | "max_tool_calls";
}

export async function runAgent(options: AgentOptions): Promise<AgentRun> {
  return options.api === "responses" ? runResponses(options) : runChat(options);
}

async function runChat(options: AgentOptions): Promise<AgentRun> {
  const { openai, model, client } = options;
  const maxTurns = options.maxTurns ?? 20;
  const maxToolCalls = options.maxToolCalls ?? 100;
  const tools = client.openai.tools();
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT },
    { role: "user", content: options.prompt },
  ];
  const toolCalls: ToolCallRecord[] = [];
  for (let turn = 1; turn <= maxTurns; turn++) {
    const completion = await openai.chat.completions.create({ model, messages, tools, tool_choice: "auto" });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error("the model returned no choice");
    const calls = (message.tool_calls ?? []).filter(
      (c): c is ChatCompletionMessageFunctionToolCall => c.type === "function",
    );
    if (calls.length === 0) return { answer: message.content ?? "", turns: turn, toolCalls, stop: "answer" };
    if (toolCalls.length + calls.length > maxToolCalls)
      return { answer: message.content ?? "", turns: turn, toolCalls, stop: "max_tool_calls" };
    messages.push({ role: "assistant", content: message.content ?? null, tool_calls: calls });
    const outputs = await client.openai.run(calls);
    outputs.forEach((output, i) => {
      const call = calls[i];
      if (!call || !("tool_call_id" in output)) return;
      toolCalls.push({
        turn,
        name: call.function.name,
        arguments: call.function.arguments,
        output: String(output.content),
      });
      messages.push(output);
    });
  }
  return { answer: "", turns: maxTurns, toolCalls, stop: "max_turns" };
}

async function runResponses(options: AgentOptions): Promise<AgentRun> {
  const { openai, model, client } = options;
  const maxTurns = options.maxTurns ?? 20;
  const maxToolCalls = options.maxToolCalls ?? 100;
  const tools = client.openai.tools({ format: "responses" });
  const input: ResponseInputItem[] = [{ role: "user", content: options.prompt }];
  const toolCalls: ToolCallRecord[] = [];
  for (let turn = 1; turn <= maxTurns; turn++) {
    const response = await openai.responses.create({
      model,
      instructions: options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
      input,
      tools,
    });
    const calls = response.output.filter(
      (item): item is ResponseFunctionToolCall => item.type === "function_call",
    );
    if (calls.length === 0)
      return { answer: response.output_text ?? "", turns: turn, toolCalls, stop: "answer" };
    if (toolCalls.length + calls.length > maxToolCalls)
      return { answer: "", turns: turn, toolCalls, stop: "max_tool_calls" };
    input.push(...calls);
    const outputs = await client.openai.run(calls);
    outputs.forEach((output, i) => {
      const call = calls[i];
      if (!call || !("call_id" in output)) return;
      toolCalls.push({ turn, name: call.name, arguments: call.arguments, output: String(output.output) });
      input.push(output);
    });
  }
  return { answer: "", turns: maxTurns, toolCalls, stop: "max_turns" };
}
