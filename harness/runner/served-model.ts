import nock from "nock";

/** A model's answer: status, JSON body, headers. */
export type ModelReply = [number, unknown, Record<string, string>?];
export type ModelHandler = (request: Request) => Promise<ModelReply>;

/**
 * Serves `handlers` (by path under `baseUrl`) two ways: through nock, for SDKs that bring their
 * own HTTP client, and as an in-process `fetch` for the `openai` SDK, which the runner uses. The
 * fetch opens no socket: a connection nock mocks keeps its handle after it is destroyed, and
 * through it the request it carried — a whole conversation per model turn, 280 MB per run of the
 * 1,200-user storm audit. A path with no handler gets 404 from the fetch.
 */
export function serveModel(baseUrl: string, handlers: Record<string, ModelHandler>) {
  const url = new URL(baseUrl);
  const base = url.pathname.replace(/\/$/, "");
  const interceptors = Object.entries(handlers).map(([endpoint, handler]) => {
    const interceptor = nock(url.origin).post(`${base}${endpoint}`);
    interceptor.reply((request: Request) => handler(request)).persist();
    return interceptor;
  });
  const inProcess: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const handler = path.startsWith(base) ? handlers[path.slice(base.length)] : undefined;
    const [status, body, headers] = handler
      ? await handler(request)
      : [404, { error: { message: `no model endpoint ${path}` } }];
    return new Response(JSON.stringify(body), {
      status,
      headers: headers ?? { "content-type": "application/json" },
    });
  };
  return {
    fetch: inProcess,
    stop: () => {
      for (const interceptor of interceptors) nock.removeInterceptor(interceptor);
    },
  };
}
