/** `paceline/client`: a rate-limit-aware MCP client for managed gateways. */

export type { BucketState } from "./backoff/bucket-policy.js";
export { oktaBucketOfEndpoint } from "./backoff/okta-endpoints.js";
export {
  type HeaderSource,
  parseRateLimitHeaders,
  parseRetryAfter,
  type RateLimitSignal,
  waitFromSignal,
} from "./backoff/rate-limit-headers.js";
export { inspectResult, resultJson } from "./backoff/result-signal.js";
export {
  backoffDelay,
  classifyError,
  classifyResult,
  type Failure,
  isRetryable,
  RETRY_DEFAULTS,
  type RetryStep,
  retryStep,
  type ToolSafety,
  toolSafety,
} from "./backoff/retry-policy.js";
export {
  type CallOptions,
  type ClientStats,
  type ConnectOptions,
  connect,
  type Drained,
  PacedClient,
  type PaginationOptions,
  type RetryOptions,
} from "./client.js";
export { type Page, type PageExtractor, PageShapeError, readPage } from "./cursor/page.js";
export { CursorLoop, type PageReport, type PaginateOptions, type StopReason } from "./cursor/paginate.js";
export type { LimiterOptions } from "./engine/limiter-options.js";
export {
  AuthenticationError,
  ClientClosedError,
  ConnectionError,
  RateLimitedError,
  ServerError,
  ServerGoneError,
  SharedLimiterError,
  ToolResultError,
} from "./errors.js";
export type { ClientEvents } from "./events.js";
export {
  cleanSchema,
  type ModelToolCalls,
  OpenAIAdapter,
  type OpenAIToolCall,
  type OpenAIToolOutput,
  type ToolErrorKind,
  type ToolOutcome,
} from "./openai.js";
export { type ConnectOptionsData, ConnectOptionsSchema } from "./options-schema.js";
export { type PacedFetch, type PacedFetchOptions, type PacedFetchStats, pacedFetch } from "./paced-fetch.js";
