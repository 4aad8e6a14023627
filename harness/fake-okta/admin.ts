import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { FaultScheduleSchema } from "./faults.js";
import { FixtureError } from "./fixture.js";
import { LIMIT_PRESETS, type LimitPreset, RateLimitConfigSchema, RateLimiter } from "./rate-limits.js";
import { buildOrgCooperatively } from "./seed.js";
import { snapshot } from "./snapshot.js";
import type { ServerState } from "./state.js";

/**
 * `/__admin`: set up and inspect the fake without going around it. Every write validates first and
 * changes nothing when the input is bad; errors name the field and the problem.
 */
export function adminRoutes(app: FastifyInstance, state: ServerState): void {
  const badInput = (reply: FastifyReply, message: string) =>
    reply.code(400).send({ error: "bad_request", message });
  const describe = (error: z.ZodError) =>
    error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");

  let resets: Promise<unknown> = Promise.resolve();
  /** Replaces the org with one built from a fixture (generator and/or explicit data). */
  app.post("/__admin/reset", async (request, reply) => {
    // An empty org is a fixture that says so (`{"generate": {"users": 0}}`), never a missing body.
    if (
      request.body === undefined ||
      request.body === null ||
      typeof request.body !== "object" ||
      Object.keys(request.body).length === 0
    )
      return badInput(
        reply,
        'reset body: a fixture object is required (e.g. {"seed": 42, "generate": {"users": 200}}); an empty org is {"generate": {"users": 0}}',
      );
    // Built beside the current org, which serves every other request until the new one replaces
    // it; one reset at a time, in the order they came.
    const build = resets.then(() => buildOrgCooperatively(request.body ?? {}, state.clock, "reset body"));
    resets = build.catch(() => undefined);
    try {
      state.org = await build;
    } catch (error) {
      if (error instanceof FixtureError) return badInput(reply, error.message);
      throw error;
    }
    state.journal.clear();
    return counts(state);
  });

  app.get("/__admin/state", async () => snapshot(state.org));

  /** For container health checks: answers once the org is built and the server listens. */
  app.get("/__admin/health", async () => {
    // Cumulative, so a caller can difference two readings: how busy this process was in between.
    const { idle, active } = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    return {
      status: "ok",
      users: state.org.users.length,
      load: {
        idleMs: Math.round(idle),
        activeMs: Math.round(active),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      },
    };
  });

  app.get("/__admin/faults", async () => ({ rules: state.faults.active }));
  app.put("/__admin/faults", async (request, reply) => {
    const parsed = FaultScheduleSchema.safeParse(request.body);
    if (!parsed.success) return badInput(reply, `fault schedule: ${describe(parsed.error)}`);
    state.faults.install(parsed.data);
    return { rules: state.faults.active };
  });
  app.delete("/__admin/faults", async (_request, reply) => {
    state.faults.clear();
    return reply.code(204).send();
  });

  app.get("/__admin/limits", async () => state.limiter.config);
  /** Body: `{"preset": "tight"}` or a full config `{windowMs, concurrency, buckets}`. */
  app.put("/__admin/limits", async (request, reply) => {
    const body = request.body as { preset?: unknown } | undefined;
    if (body && typeof body.preset === "string") {
      if (!Object.hasOwn(LIMIT_PRESETS, body.preset)) {
        return badInput(
          reply,
          `preset: '${body.preset}' is not one of ${Object.keys(LIMIT_PRESETS).join(", ")}`,
        );
      }
      // A preset with overrides: each one checked as the full config checks it.
      const { preset, ...overrides } = body as { preset: LimitPreset } & Record<string, unknown>;
      const parsed = RateLimitConfigSchema.safeParse({ ...LIMIT_PRESETS[preset], ...overrides });
      if (!parsed.success) return badInput(reply, `limits: ${describe(parsed.error)}`);
      state.limiter = new RateLimiter(parsed.data, state.clock);
      return state.limiter.config;
    }
    const parsed = RateLimitConfigSchema.safeParse(body);
    if (!parsed.success) return badInput(reply, `limits: ${describe(parsed.error)}`);
    state.limiter = new RateLimiter(parsed.data, state.clock);
    return state.limiter.config;
  });

  const JournalQuery = z.strictObject({
    method: z.string().toUpperCase().optional(),
    path: z.string().optional(),
    status: z.coerce.number().int().optional(),
    since: z.coerce.number().int().optional(),
    /** `ndjson`: one entry per line, streamed (a long run's journal without one big body). */
    format: z.enum(["json", "ndjson"]).default("json"),
  });
  app.get("/__admin/journal", async (request, reply) => {
    const parsed = JournalQuery.safeParse(request.query);
    if (!parsed.success) return badInput(reply, `journal query: ${describe(parsed.error)}`);
    const { method, path, status, since, format } = parsed.data;
    const entries = state.journal.list({ method, pathPrefix: path, status, sinceSeq: since });
    if (format === "ndjson") {
      const lines = (function* () {
        for (const entry of entries) yield `${JSON.stringify(entry)}\n`;
      })();
      return reply.type("application/x-ndjson").send(Readable.from(lines));
    }
    return { entries, dropped: state.journal.droppedCount };
  });
  app.delete("/__admin/journal", async (_request, reply) => {
    state.journal.clear();
    return reply.code(204).send();
  });
}

function counts(state: ServerState) {
  return { users: state.org.users.length, groups: state.org.groups.length, logs: state.org.logs.length };
}
