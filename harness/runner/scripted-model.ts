import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { DEFAULT_CALLS_PER_TURN, type ScriptTurn } from "./scenario.js";
import { nextTurn, type PlannedTurn } from "./script-plan.js";
import { ScriptReferenceError } from "./script-refs.js";
import { type ModelHandler, serveModel } from "./served-model.js";

/**
 * A deterministic model for CI: serves a scenario's script as the Chat Completions API and the
 * Responses API, through nock, to the real `openai` SDK. Each request is answered by replaying the
 * script's plan (`script-plan.ts`) over the tool outputs in the request, as a model reads them;
 * those outputs feed `{{ label.path }}` references.
 */
export const SCRIPTED_BASE_URL = "https://api.openai.com/v1";

export interface ScriptedModel {
  /** Script problems met while serving (an unresolvable reference, running past the end). */
  errors: string[];
  /** Each request's model, and whether it carried a bearer key (never the key itself). */
  requests: { model: string; bearer: boolean }[];
  /** The same answers as an in-process `fetch`, with no socket (see `serveModel`). */
  fetch: typeof fetch;
  stop(): void;
}

export function serveScript(
  script: ScriptTurn[],
  baseUrl: string = SCRIPTED_BASE_URL,
  callsPerTurn: number = DEFAULT_CALLS_PER_TURN,
  /** References to nothing resolve to null (a mutant that skipped a read goes on, as an agent would). */
  lenient = false,
): ScriptedModel {
  const errors: string[] = [];
  const requests: ScriptedModel["requests"] = [];
  /** One endpoint: turn n's answer, or a 400 naming the script problem (also kept in `errors`). */
  const endpoint =
    <B>(
      pastTurnsOf: (body: B) => Map<string, string>[],
      answer: (planned: PlannedTurn, turn: number, body: B) => unknown,
    ): ModelHandler =>
    async (request) => {
      const body = (await request.json()) as B;
      requests.push({
        model: (body as { model?: string }).model ?? "",
        bearer: /^Bearer \S+/.test(request.headers.get("authorization") ?? ""),
      });
      const past = pastTurnsOf(body);
      const turn = past.length;
      try {
        return [
          200,
          answer(nextTurn(script, past, callsPerTurn, lenient), turn, body),
          { "content-type": "application/json" },
        ];
      } catch (error) {
        const message = error instanceof ScriptReferenceError ? error.message : String(error);
        errors.push(`turn ${turn + 1}: ${message}`);
        const payload = { error: { message: `scripted model: ${message}`, type: "invalid_request_error" } };
        return [400, payload, { "content-type": "application/json" }];
      }
    };
  const served = serveModel(baseUrl, {
    "/chat/completions": endpoint<ChatBody>(chatPastTurns, (planned, turn, body) =>
      chatAnswer(planned, turn, body.model),
    ),
    "/responses": endpoint<ResponsesBody>(responsesPastTurns, (planned, turn, body) =>
      responsesAnswer(planned, turn, body.model),
    ),
  });
  return { errors, requests, ...served };
}

type ChatBody = { model: string; messages: ChatCompletionMessageParam[] };
type ResponsesBody = { model: string; input: ResponsesInput[] };
type ResponsesInput = {
  type?: string;
  call_id?: string;
  output?: string | { type?: string; text?: string }[];
};

/** A function call's output as text: a string, or (as @openai/agents sends it) a list of content parts. */
function outputText(output: ResponsesInput["output"]): string {
  if (typeof output === "string") return output;
  return (output ?? []).map((part) => part.text ?? "").join("");
}

/** The model turns so far: each assistant message with tool calls, and the tool outputs after it. */
function chatPastTurns(body: ChatBody): Map<string, string>[] {
  const turns: Map<string, string>[] = [];
  for (const message of body.messages) {
    if (message.role === "assistant") turns.push(new Map());
    else if (message.role === "tool") turns.at(-1)?.set(message.tool_call_id, String(message.content));
  }
  return turns;
}

/** The same from Responses input: a run of function_call items starts a turn. */
function responsesPastTurns(body: ResponsesBody): Map<string, string>[] {
  const turns: Map<string, string>[] = [];
  body.input.forEach((item, i) => {
    if (item.type === "function_call" && body.input[i - 1]?.type !== "function_call") turns.push(new Map());
    else if (item.type === "function_call_output")
      turns.at(-1)?.set(item.call_id ?? "", outputText(item.output));
  });
  return turns;
}

function chatAnswer(planned: PlannedTurn, turn: number, model: string) {
  const message =
    "say" in planned
      ? { role: "assistant", content: planned.say, refusal: null }
      : {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: planned.calls.map((call) => ({
            id: call.id,
            type: "function",
            function: { name: call.name, arguments: call.arguments },
          })),
        };
  return {
    id: `chatcmpl-scripted-${turn}`,
    object: "chat.completion",
    created: 0,
    model,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    choices: [{ index: 0, finish_reason: "say" in planned ? "stop" : "tool_calls", logprobs: null, message }],
  };
}

function responsesAnswer(planned: PlannedTurn, turn: number, model: string) {
  const output =
    "say" in planned
      ? [
          {
            type: "message",
            id: `msg_${turn}`,
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: planned.say, annotations: [] }],
          },
        ]
      : planned.calls.map((call) => ({
          type: "function_call",
          id: `fc_${call.id}`,
          call_id: call.id,
          name: call.name,
          arguments: call.arguments,
          status: "completed",
        }));
  return {
    id: `resp_scripted_${turn}`,
    object: "response",
    created_at: 0,
    model,
    status: "completed",
    output,
    usage: null,
  };
}
