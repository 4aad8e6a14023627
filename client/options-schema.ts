import { z } from "zod";
import type { ConnectOptions } from "./client.js";

/**
 * The serialisable part of `ConnectOptions` as a schema: what a config file or a scenario may set
 * (functions, signals and fetch stay code-only). Validating against it gives a named error for a
 * typo or an out-of-range value instead of a client that quietly ignores it.
 */
const positive = z.number().int().positive();
const nonNegative = z.number().int().nonnegative();

export const ConnectOptionsSchema = z.strictObject({
  transport: z.enum(["auto", "streamable-http", "sse"]).optional(),
  timeoutMs: positive.optional(),
  retry: z
    .strictObject({
      retries: nonNegative.optional(),
      deadlineMs: positive.optional(),
      baseDelayMs: positive.optional(),
      maxDelayMs: positive.optional(),
      maxWaitMs: nonNegative.optional(),
      refusedRetries: nonNegative.optional(),
      timeoutRetries: nonNegative.optional(),
      minAttemptMs: nonNegative.optional(),
    })
    .optional(),
  limiter: z
    .strictObject({
      maxConcurrent: positive.optional(),
      resetMarginMs: nonNegative.optional(),
      pacing: z.boolean().optional(),
      learnBuckets: z.boolean().optional(),
      alwaysPace: z.boolean().optional(),
      redis: z
        .strictObject({
          url: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL"),
          keyPrefix: z.string().min(1).optional(),
          keyTtlMs: positive.optional(),
        })
        .optional(),
    })
    .optional(),
  pagination: z
    .strictObject({
      maxPages: positive.optional(),
      maxItems: positive.optional(),
      cursorArgument: z.string().min(1).optional(),
      autoDrain: z.boolean().optional(),
    })
    .optional(),
});

export type ConnectOptionsData = z.output<typeof ConnectOptionsSchema>;

// Compile-time proof that whatever the schema accepts is a valid ConnectOptions.
const _accepted: ConnectOptions = {} as ConnectOptionsData;
void _accepted;
