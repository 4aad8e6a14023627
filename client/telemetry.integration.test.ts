import { metrics, trace } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { type Harness, startHarness } from "../harness/start.js";
import { connect } from "./index.js";

/**
 * The client's OpenTelemetry, read back through the SDK's in-memory exporters: an audit with an
 * injected 429 storm must show, per call, the attempts, 429s and retries the fake Okta's journal
 * says happened, and the metrics must count them.
 */
const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
let harness: Harness;

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(async () => {
  await harness?.close();
  trace.disable();
  metrics.disable();
});

describe("OpenTelemetry spans and metrics", () => {
  it("an audit under a storm: one span per call, with attempts, 429s and retries as they happened", async () => {
    harness = await startHarness({
      fixture: { seed: 3, generate: { users: 60, logs: 0 } },
      limits: LIMIT_PRESETS.tight,
      faults: {
        seed: 1,
        rules: [
          {
            name: "storm",
            path: "/api/v1/users/*/roles",
            probability: 0.3,
            times: 15,
            action: { type: "status", status: 429, resetMs: 300 },
          },
        ],
      },
    });
    const client = await connect(harness.gateway.mcpUrl, { retry: { baseDelayMs: 20 } });
    const users = (await client.listAll("list_all_okta_users", { limit: 25 })) as { id: string }[];
    const limit = pLimit(8);
    await Promise.all(
      users.map((u) => limit(() => client.callTool("list_all_okta_user_roles", { userId: u.id }))),
    );
    await client.close();

    const finished = spans.getFinishedSpans().filter((s) => s.name === "paceline.tool_call");
    const stats = client.stats();
    expect(finished).toHaveLength(stats.calls);
    const roleSpans = finished.filter((s) => s.attributes["paceline.tool"] === "list_all_okta_user_roles");
    expect(roleSpans).toHaveLength(users.length);
    const sum = (key: string) => finished.reduce((n, s) => n + Number(s.attributes[key] ?? 0), 0);
    // The journal is the judge: every 429 Okta served shows on some span, every attempt too.
    const served429 = harness.okta.state.journal.list({ status: 429 }).length;
    expect(served429).toBeGreaterThan(0);
    expect(sum("paceline.rate_limited")).toBe(served429);
    expect(sum("paceline.attempts")).toBe(stats.attempts);
    const retryEvents = finished.flatMap((s) => s.events.filter((e) => e.name === "paceline.retry"));
    expect(retryEvents).toHaveLength(stats.retries);
    expect(retryEvents.every((e) => e.attributes?.["paceline.reason"] === "rate_limited")).toBe(true);
    // The list pages after the first carry the cursor.
    const pages = finished.filter((s) => s.attributes["paceline.tool"] === "list_all_okta_users");
    expect(pages.filter((s) => s.attributes["paceline.cursor_page"] === true)).toHaveLength(pages.length - 1);

    await reader.forceFlush();
    const exported = metricExporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics));
    const total = (name: string) =>
      exported
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as { value: unknown }[])
        .reduce((n, p) => n + Number(p.value), 0);
    expect(total("paceline.calls")).toBe(stats.calls);
    expect(total("paceline.rate_limited")).toBe(served429);
    expect(total("paceline.retries")).toBe(stats.retries);
    expect(exported.some((m) => m.descriptor.name === "paceline.budget_remaining")).toBe(true);
  }, 60_000);
});
