import type { JournalEntry } from "../fake-okta/journal.js";
import type { RateLimitConfig } from "../fake-okta/rate-limits.js";

/**
 * The harness's admin APIs over HTTP, for whatever drives a harness it did not start in-process
 * (the load test, a scenario against a running `serve` or the container). Errors name the request.
 */
export async function adminRequest<T = unknown>(url: string, method: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED…), and the request says where.
    const why = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new Error(`${method} ${url}: ${why}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A fresh org, fresh windows, the faults (or none) and an empty journal. `limits`: a preset name or a config. */
export async function resetFake(
  adminUrl: string,
  fixture: unknown,
  limits: RateLimitConfig | string,
  faults: unknown,
): Promise<void> {
  await adminRequest(`${adminUrl}/reset`, "POST", fixture);
  await adminRequest(`${adminUrl}/limits`, "PUT", typeof limits === "string" ? { preset: limits } : limits);
  if (faults) await adminRequest(`${adminUrl}/faults`, "PUT", faults);
  else await adminRequest(`${adminUrl}/faults`, "DELETE");
  await adminRequest(`${adminUrl}/journal`, "DELETE");
}

export async function readJournal(adminUrl: string): Promise<JournalEntry[]> {
  return (await adminRequest<{ entries: JournalEntry[] }>(`${adminUrl}/journal`, "GET")).entries;
}
