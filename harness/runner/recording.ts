import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type ModelHandler, serveModel } from "./served-model.js";

/**
 * Recordings of model traffic: each request body normalised (volatile values and secrets
 * replaced), hashed, and stored with the model's answer. Replay serves answers by hash and fails
 * loudly when a request matches none, instead of falling through to the network.
 */
export interface Interaction {
  hash: string;
  path: string;
  /** What was asked, in brief (the hash matches the whole request): for people reading the file. */
  request: { model?: unknown; messages?: number; last?: string };
  response: unknown;
}

export interface Recording {
  scenario: string;
  model: string;
  recordedAt: string;
  interactions: Interaction[];
}

const SECRETS: [RegExp, string][] = [
  [/\bsk-[A-Za-z0-9_-]{8,}/g, "sk-<redacted>"],
  [/\bSSWS\s+[\w.-]+/g, "SSWS <redacted>"],
  [/\bBearer\s+[\w.~+/-]+=*/g, "Bearer <redacted>"],
  [/\/mcp\/[\w-]{16,}/g, "/mcp/<token>"],
];

const VOLATILE: [RegExp, string][] = [
  // Signed cursors and Okta ids and request ids change between runs that seed differently.
  [/"next_cursor":"[\w-]+\.[\w-]+"/g, '"next_cursor":"<cursor>"'],
  [/\\"next_cursor\\":\\"[\w-]+\.[\w-]+\\"/g, '\\"next_cursor\\":\\"<cursor>\\"'],
  [/\boae[A-Za-z0-9]{17}\b/g, "<errorId>"],
  // The harness listens on a new port each run; Okta's absolute _links carry it.
  [/http:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:<port>"],
  [/\breq[A-Za-z0-9]{17}\b/g, "<requestId>"],
  [
    /"(created|lastUpdated|statusChanged|lastLogin|passwordChanged|activated|published|lastMembershipUpdated)\\?":\\?"[^"\\]+\\?"/g,
    '"$1":"<time>"',
  ],
];

/** Secrets out of any text that is stored. */
export function scrubSecrets(text: string): string {
  return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** The request as matched: secrets and volatile values replaced, keys in a stable order. */
export function normaliseRequest(body: unknown): string {
  const stable = JSON.stringify(body, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : value,
  );
  return VOLATILE.reduce(
    (out, [pattern, replacement]) => out.replace(pattern, replacement),
    scrubSecrets(stable),
  );
}

export function requestHash(path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${path}\n${normaliseRequest(body)}`)
    .digest("hex")
    .slice(0, 16);
}

function summarise(body: unknown): Interaction["request"] {
  const { model, messages, input } = (body ?? {}) as {
    model?: unknown;
    messages?: unknown[];
    input?: unknown[];
  };
  const turns = messages ?? input ?? [];
  return {
    model,
    messages: turns.length,
    last: scrubSecrets(JSON.stringify(turns.at(-1) ?? null)).slice(0, 300),
  };
}

/** A fetch for the openai SDK that records every exchange (bodies only; headers, with the key, never). */
export function recordingFetch(interactions: Interaction[], base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : null;
    const text = await response.clone().text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Keep the text.
    }
    interactions.push({
      hash: requestHash(url.pathname, body),
      path: url.pathname,
      request: summarise(body),
      response: JSON.parse(scrubSecrets(JSON.stringify(parsed))),
    });
    return response;
  };
}

export async function saveRecording(file: string, recording: Recording): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${scrubSecrets(JSON.stringify(recording, null, 1))}\n`);
}

export async function loadRecording(file: string): Promise<Recording> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Recording;
  } catch (error) {
    throw new Error(
      `${file}: no usable recording (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); make one with paceline record`,
    );
  }
}

/**
 * Serves a recording (through nock, and as an in-process `fetch`: see `serveModel`); `misses`
 * lists requests that matched no recorded one.
 */
export function serveRecording(recording: Recording, baseUrl: string) {
  const misses: string[] = [];
  const byHash = new Map(recording.interactions.map((i) => [i.hash, i]));
  const replay: ModelHandler = async (request) => {
    const path = new URL(request.url).pathname;
    const body: unknown = await request.json();
    const hash = requestHash(path, body);
    const hit = byHash.get(hash);
    if (!hit) {
      misses.push(`${path} ${hash}`);
      return [
        599,
        {
          error: {
            message: `replay: no recorded response for request ${hash} to ${path}; record the scenario again`,
          },
        },
      ];
    }
    return [200, hit.response, { "content-type": "application/json" }];
  };
  const served = serveModel(baseUrl, { "/chat/completions": replay, "/responses": replay });
  return { misses, ...served };
}
