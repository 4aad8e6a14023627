import nock from "nock";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ScriptTurn } from "./scenario.js";
import { resolveReferences, ScriptReferenceError } from "./script-refs.js";

/**
 * A deterministic model for CI: serves a scenario's script as the Chat Completions API and the
 * Responses API, through nock, to the real `openai` SDK. Turn n answers the n-th request; tool
 * results of earlier turns (read back from the request, as a model would) feed `{{ label.path }}`
 * references.
 */
export const SCRIPTED_BASE_URL = "https://api.openai.com/v1";

export interface ScriptedModel {
  /** Script problems met while serving (an unresolvable reference, running past the end). */
  errors: string[];
  stop(): void;
}

/** Labelled calls get their label in the id, so later turns find their results by it. */
export function callId(turn: number, index: number, label?: string): string {
  return label ? `call_${turn}_${label}` : `call_${turn}_${index}`;
}

export function serveScript(script: ScriptTurn[], baseUrl: string = SCRIPTED_BASE_URL): ScriptedModel {
  const errors: string[] = [];
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/$/, "");
  /** Serves one endpoint: turn n's answer, or a 400 naming the script problem (also kept in `errors`). */
  const serve = <B>(
    endpoint: string,
    turnOf: (body: B) => number,
    answer: (turn: number, body: B) => unknown,
  ) => {
    const interceptor = nock(url.origin).post(`${path}${endpoint}`);
    interceptor
      .reply(async (request: Request) => {
        const body = (await request.json()) as B;
        const turn = turnOf(body);
        try {
          return [200, answer(turn, body), { "content-type": "application/json" }];
        } catch (error) {
          const message = error instanceof ScriptReferenceError ? error.message : String(error);
          errors.push(`turn ${turn + 1}: ${message}`);
          const payload = { error: { message: `scripted model: ${message}`, type: "invalid_request_error" } };
          return [400, payload, { "content-type": "application/json" }];
        }
      })
      .persist();
    return interceptor;
  };
  const interceptors = [
    serve<ChatBody>(
      "/chat/completions",
      (body) => body.messages.filter((m) => m.role === "assistant").length,
      (turn, body) => completion(script, turn, body),
    ),
    serve<ResponsesBody>(
      "/responses",
      // A model turn that called tools shows in the input as a run of function_call items.
      (body) =>
        body.input.filter(
          (item, i) => item.type === "function_call" && body.input[i - 1]?.type !== "function_call",
        ).length,
      (turn, body) => responsesAnswer(script, turn, body),
    ),
  ];
  return {
    errors,
    stop: () => {
      for (const interceptor of interceptors) nock.removeInterceptor(interceptor);
    },
  };
}

type ChatBody = { model: string; messages: ChatCompletionMessageParam[] };
type ResponsesBody = { model: string; input: ResponsesInput[] };
type ResponsesInput = { type?: string; call_id?: string; output?: string };

/** The same script as Responses API output items. */
function responsesAnswer(
  script: ScriptTurn[],
  turn: number,
  body: { model: string; input: ResponsesInput[] },
) {
  const messages: ChatCompletionMessageParam[] = body.input
    .filter((item) => item.type === "function_call_output")
    .map((item) => ({ role: "tool", tool_call_id: item.call_id ?? "", content: item.output ?? "" }));
  const chat = completion(script, turn, { model: body.model, messages });
  const message = chat.choices[0]?.message as {
    content: string | null;
    tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  };
  const output = message.tool_calls
    ? message.tool_calls.map((call) => ({
        type: "function_call",
        id: `fc_${call.id}`,
        call_id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
        status: "completed",
      }))
    : [
        {
          type: "message",
          id: `msg_${turn}`,
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: message.content ?? "", annotations: [] }],
        },
      ];
  return {
    id: `resp_scripted_${turn}`,
    object: "response",
    created_at: 0,
    model: body.model,
    status: "completed",
    output,
    usage: null,
  };
}

/** The labelled results so far: label → parsed JSON of that call's tool message. */
function labelledResults(script: ScriptTurn[], messages: ChatCompletionMessageParam[]): Map<string, unknown> {
  const byCallId = new Map<string, string>();
  for (const message of messages)
    if (message.role === "tool") byCallId.set(message.tool_call_id, String(message.content));
  const results = new Map<string, unknown>();
  script.forEach((turn, t) => {
    if (!("tools" in turn)) return;
    turn.tools.forEach((step, i) => {
      const content = step.as ? byCallId.get(callId(t, i, step.as)) : undefined;
      if (!step.as || content === undefined) return;
      try {
        results.set(step.as, JSON.parse(content));
      } catch {
        results.set(step.as, content);
      }
    });
  });
  return results;
}

function completion(
  script: ScriptTurn[],
  turn: number,
  body: { model: string; messages: ChatCompletionMessageParam[] },
) {
  const step = script[turn];
  if (!step) throw new Error(`the script has ${script.length} turns; the agent asked for turn ${turn + 1}`);
  const base = {
    id: `chatcmpl-scripted-${turn}`,
    object: "chat.completion",
    created: 0,
    model: body.model,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
  if ("say" in step) {
    return {
      ...base,
      choices: [
        {
          index: 0,
          finish_reason: "stop",
          logprobs: null,
          message: { role: "assistant", content: step.say, refusal: null },
        },
      ],
    };
  }
  const results = labelledResults(script, body.messages);
  const expanded = step.tools.flatMap((call) => {
    if (!call.forEach) return [{ call, args: resolveReferences(call.args, results) }];
    const items = resolveReferences(call.forEach, results);
    if (!Array.isArray(items)) throw new ScriptReferenceError(`forEach ${call.forEach} is not a list`);
    return items.map((item) => ({
      call,
      args: resolveReferences(call.args, new Map([...results, ["item", item]])),
    }));
  });
  const toolCalls = expanded.map(({ call, args }, i) => ({
    id: callId(turn, i, call.forEach ? undefined : call.as),
    type: "function",
    function: { name: call.call, arguments: JSON.stringify(args) },
  }));
  return {
    ...base,
    choices: [
      {
        index: 0,
        finish_reason: "tool_calls",
        logprobs: null,
        message: { role: "assistant", content: null, refusal: null, tool_calls: toolCalls },
      },
    ],
  };
}
