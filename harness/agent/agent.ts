import type OpenAI from "openai";
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { ResponseFunctionToolCall, ResponseInputItem } from "openai/resources/responses/responses";
import type { OpenAIToolCall, PacedClient, ToolErrorKind, ToolOutcome } from "../../client/index.js";
import { DEFAULT_SYSTEM_PROMPT } from "./system-prompt.js";

/**
 * The agent loop: ask the model, run its tool calls through paceline's client, feed the results
 * back, and stop on a final answer or when a budget runs out. One loop; Chat Completions (default)
 * or the Responses API is a small conversation adapter. The model is whatever the `openai` client
 * points at.
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
  /**
   * Milliseconds the run may take, model turns and tool calls together. Checked between turns
   * (a call already out runs to its own deadline): the loop stops at the first check past it.
   */
  timeLimitMs?: number;
}

export interface ToolCallRecord {
  turn: number;
  name: string;
  arguments: string;
  output: string;
  /** Set when the output reports an error (from the adapter, not from its wording). */
  error?: ToolErrorKind;
  /** How long its turn's calls took (the calls of one turn run together). */
  turnMs: number;
}

export interface AgentRun {
  answer: string;
  turns: number;
  toolCalls: ToolCallRecord[];
  /** Why the loop ended. */
  stop: "answer" | "max_turns" | "max_tool_calls" | "time_limit";
}

interface ModelCall {
  name: string;
  arguments: string;
}

/** One API's conversation: ask for the next turn, and add a turn's calls and their outcomes. */
interface Conversation<Call extends OpenAIToolCall> {
  ask(): Promise<{ calls: Call[]; text: string }>;
  add(calls: Call[], messages: Awaited<ReturnType<PacedClient["openai"]["runDetailed"]>>): void;
  describe(call: Call): ModelCall;
}

function chatConversation(options: AgentOptions): Conversation<ChatCompletionMessageFunctionToolCall> {
  const { openai, model, client } = options;
  const tools = client.openai.tools();
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT },
    { role: "user", content: options.prompt },
  ];
  return {
    async ask() {
      const completion = await openai.chat.completions.create({
        model,
        messages,
        tools,
        tool_choice: "auto",
      });
      const message = completion.choices[0]?.message;
      if (!message) throw new Error("the model returned no choice");
      const calls = (message.tool_calls ?? []).filter(
        (c): c is ChatCompletionMessageFunctionToolCall => c.type === "function",
      );
      if (calls.length > 0)
        messages.push({ role: "assistant", content: message.content ?? null, tool_calls: calls });
      return { calls, text: message.content ?? "" };
    },
    add(_calls, results) {
      for (const { message } of results) if ("tool_call_id" in message) messages.push(message);
    },
    describe: (call) => ({ name: call.function.name, arguments: call.function.arguments }),
  };
}

function responsesConversation(options: AgentOptions): Conversation<ResponseFunctionToolCall> {
  const { openai, model, client } = options;
  const tools = client.openai.tools({ format: "responses" });
  const input: ResponseInputItem[] = [{ role: "user", content: options.prompt }];
  return {
    async ask() {
      const response = await openai.responses.create({
        model,
        instructions: options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
        input,
        tools,
      });
      const calls = response.output.filter(
        (item): item is ResponseFunctionToolCall => item.type === "function_call",
      );
      return { calls, text: response.output_text ?? "" };
    },
    add(calls, results) {
      input.push(...calls);
      for (const { message } of results) if ("call_id" in message) input.push(message);
    },
    describe: (call) => ({ name: call.name, arguments: call.arguments }),
  };
}

export async function runAgent(options: AgentOptions): Promise<AgentRun> {
  return options.api === "responses"
    ? loop(options, responsesConversation(options))
    : loop(options, chatConversation(options));
}

async function loop<Call extends OpenAIToolCall>(
  options: AgentOptions,
  conversation: Conversation<Call>,
): Promise<AgentRun> {
  const maxTurns = options.maxTurns ?? 20;
  const maxToolCalls = options.maxToolCalls ?? 100;
  const toolCalls: ToolCallRecord[] = [];
  const deadline = performance.now() + (options.timeLimitMs ?? Number.POSITIVE_INFINITY);
  const late = () => performance.now() > deadline;
  for (let turn = 1; turn <= maxTurns; turn++) {
    if (late()) return { answer: "", turns: turn - 1, toolCalls, stop: "time_limit" };
    const { calls, text } = await conversation.ask();
    // An answer that comes after the limit is too late as well.
    if (late()) return { answer: text, turns: turn, toolCalls, stop: "time_limit" };
    if (calls.length === 0) return { answer: text, turns: turn, toolCalls, stop: "answer" };
    if (toolCalls.length + calls.length > maxToolCalls)
      return { answer: text, turns: turn, toolCalls, stop: "max_tool_calls" };
    const started = performance.now();
    const results = await options.client.openai.runDetailed(calls);
    const turnMs = performance.now() - started;
    conversation.add(calls, results);
    results.forEach(({ outcome }: { outcome: ToolOutcome }, i) => {
      const call = calls[i];
      if (!call) return;
      const { output, error } = outcome;
      toolCalls.push({ turn, ...conversation.describe(call), output, error, turnMs });
    });
  }
  return { answer: "", turns: maxTurns, toolCalls, stop: "max_turns" };
}
