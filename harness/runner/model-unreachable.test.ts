import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { freePort } from "../redis-server.js";
import { modelUnreachable } from "./run-scenario.js";

/** Live mode against a model server that is not there: the error says which and why (not just "Connection error."). */
describe("an unreachable model server", () => {
  it("is named by its origin and the network code, never by its path, query or key", async () => {
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}/v1?key=secret-in-query`;
    const openai = new OpenAI({ baseURL, apiKey: "sk-secret", maxRetries: 0 });
    const error = await openai.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).toBe("Connection error.");
    const named = modelUnreachable(error, baseURL);
    expect(named?.message).toBe(
      `cannot reach the model at http://127.0.0.1:${port} (ECONNREFUSED): check OPENAI_BASE_URL and that the server runs`,
    );
    expect(named?.message).not.toMatch(/secret/);
    expect(modelUnreachable(new Error("other"), baseURL)).toBeUndefined();
  });
});
