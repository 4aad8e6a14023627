import type * as OtelApi from "@opentelemetry/api";
import type { BucketState } from "./backoff/bucket-policy.js";

/**
 * OpenTelemetry for the client, when `@opentelemetry/api` is installed (an optional peer
 * dependency) and otherwise nothing at all. Each tool call is a span `paceline.tool_call` with its
 * tool, bucket, attempts, 429s, milliseconds waited and retry reasons, and events for each wait on
 * a budget and each retry; metrics count calls, 429s and retries, record waits, and observe the
 * queue length and the budget remaining per bucket. The API's global providers decide where it
 * all goes (an SDK with an exporter), so paceline never configures telemetry itself.
 */
export interface CallSpan {
  attempt(): void;
  /** A wait in the bucket's queue before an attempt. */
  waited(ms: number, bucket: string): void;
  rateLimited(waitMs: number | undefined, bucket: string): void;
  retry(reason: string, delayMs: number): void;
  end(outcome: { isError?: boolean; error?: unknown }): void;
}

const NOOP_SPAN: CallSpan = { attempt() {}, waited() {}, rateLimited() {}, retry() {}, end() {} };

export interface Telemetry {
  startCall(tool: string, bucket: string, attributes?: Record<string, string | number | boolean>): CallSpan;
  /** A bucket's state after a policy step: its remaining budget for the gauge. */
  bucketState(bucket: string, state: BucketState): void;
  /** Adds a client's queue to the queue-length gauge; returns how to take it out (on close). */
  observeQueue(read: () => number): () => void;
}

export const NOOP_TELEMETRY: Telemetry = {
  startCall: () => NOOP_SPAN,
  bucketState() {},
  observeQueue: () => () => {},
};

let loaded: Promise<Telemetry> | undefined;

/**
 * The telemetry of this process, built once: instruments are registered with the global meter
 * only the first time, however many clients connect.
 */
export function loadTelemetry(version: string): Promise<Telemetry> {
  loaded ??= import("@opentelemetry/api").then(
    (api) => otelTelemetry(api, version),
    () => NOOP_TELEMETRY,
  );
  return loaded;
}

function otelTelemetry(api: typeof OtelApi, version: string): Telemetry {
  const tracer = api.trace.getTracer("paceline", version);
  const meter = api.metrics.getMeter("paceline", version);
  const calls = meter.createCounter("paceline.calls", { description: "Tool calls asked for" });
  const rateLimited = meter.createCounter("paceline.rate_limited", { description: "429s met, by bucket" });
  const retries = meter.createCounter("paceline.retries", { description: "Retries, by reason" });
  const waits = meter.createHistogram("paceline.wait", {
    description: "Waits for budget or a slot",
    unit: "ms",
  });
  const remaining = new Map<string, number>();
  meter
    .createObservableGauge("paceline.budget_remaining", {
      description: "Budget left in the window, by bucket",
    })
    .addCallback((result) => {
      for (const [bucket, value] of remaining) result.observe(value, { "paceline.bucket": bucket });
    });
  const queues = new Set<() => number>();
  meter
    .createObservableGauge("paceline.queue_length", { description: "Calls waiting for budget or a slot" })
    .addCallback((result) => result.observe([...queues].reduce((n, read) => n + read(), 0)));

  return {
    startCall(tool, bucket, attributes = {}) {
      calls.add(1, { "paceline.tool": tool });
      const span = tracer.startSpan("paceline.tool_call", {
        kind: api.SpanKind.CLIENT,
        attributes: { "paceline.tool": tool, "paceline.bucket": bucket, ...attributes },
      });
      let attempts = 0;
      let limited = 0;
      let waitedMs = 0;
      const reasons: string[] = [];
      return {
        attempt: () => {
          attempts++;
        },
        waited: (ms, inBucket) => {
          waitedMs += ms;
          waits.record(ms, { "paceline.bucket": inBucket });
          span.addEvent("paceline.throttled", {
            "paceline.bucket": inBucket,
            "paceline.waited_ms": Math.round(ms),
          });
        },
        rateLimited: (waitMs, inBucket) => {
          limited++;
          rateLimited.add(1, { "paceline.bucket": inBucket });
          span.addEvent("paceline.rate_limited", {
            "paceline.bucket": inBucket,
            ...(waitMs === undefined ? {} : { "paceline.retry_after_ms": waitMs }),
          });
        },
        retry: (reason, delayMs) => {
          reasons.push(reason);
          retries.add(1, { "paceline.reason": reason });
          span.addEvent("paceline.retry", {
            "paceline.reason": reason,
            "paceline.delay_ms": Math.round(delayMs),
          });
        },
        end: ({ isError, error }) => {
          span.setAttributes({
            "paceline.attempts": attempts,
            "paceline.rate_limited": limited,
            "paceline.waited_ms": Math.round(waitedMs),
            "paceline.retry_reasons": reasons,
            "paceline.is_error": isError === true,
          });
          if (error !== undefined) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.name ?? "error" });
          }
          span.end();
        },
      };
    },
    bucketState(bucket, state) {
      if (state.budget !== null) remaining.set(bucket, state.budget);
    },
    observeQueue(read) {
      queues.add(read);
      return () => queues.delete(read);
    },
  };
}
