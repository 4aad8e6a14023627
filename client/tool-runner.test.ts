import type { Tool } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import type { PacedClient } from "./client.js";
import { runToolForModel } from "./tool-runner.js";

/** A client stand-in that records how the runner called it: drained or called once. */
function recordingClient(cursorArgument?: string) {
  const seen: string[] = [];
  const client = {
    options: { pagination: { autoDrain: true, ...(cursorArgument ? { cursorArgument } : {}) } },
    cursorArgument: cursorArgument ?? "next_cursor",
    drain: async () => {
      seen.push("drain");
      return { items: [1, 2, 3], stopReason: "end", pages: 2, truncated: false };
    },
    callTool: async () => {
      seen.push("callTool");
      return { content: [{ type: "text", text: "one page" }] };
    },
  } as unknown as PacedClient;
  return { client, seen };
}

const tool = (cursor: string): Tool => ({
  name: "list_things",
  inputSchema: { type: "object", properties: { [cursor]: { type: "string" } } },
});

describe("autoDrain honours pagination.cursorArgument", () => {
  it("a gateway whose cursor is `page_token`: its list tools are drained, and a page asked for is not", async () => {
    const { client, seen } = recordingClient("page_token");
    const drained = await runToolForModel(client, tool("page_token"), {});
    expect(JSON.parse(drained.output)).toMatchObject({ result: [1, 2, 3], page_token: null, pages: 2 });
    await runToolForModel(client, tool("page_token"), { page_token: "abc" });
    expect(seen).toEqual(["drain", "callTool"]);
  });

  it("with the default cursor argument, a tool that takes another one is not a list tool", async () => {
    const { client, seen } = recordingClient();
    await runToolForModel(client, tool("page_token"), {});
    expect(seen).toEqual(["callTool"]);
  });
});
