import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOkta, startFakeOkta } from "../fake-okta/server.js";
import { type Gateway, startGateway } from "../gateway/gateway-app.js";

/**
 * Every listener bounds slow and idle connections (the defaults are 10 s for headers, 30 s for a
 * request, 5 s idle between requests); here they are made short so the test does not wait long.
 * Asserted is what happens to each connection, not when.
 */
const SHORT = { headersMs: 200, requestMs: 400, keepAliveMs: 200 };

let okta: FakeOkta;
let gateway: Gateway;
beforeAll(async () => {
  okta = await startFakeOkta({
    fixture: { seed: 1, generate: { users: 5 } },
    limits: "none",
    connectionLimits: SHORT,
  });
  gateway = await startGateway({
    upstream: { baseUrl: okta.url, token: okta.token },
    connectionLimits: SHORT,
  });
});
afterAll(async () => {
  await gateway?.close();
  await okta?.close();
});

/** Opens a raw connection, sends `bytes`, and resolves with what came back once the server closed it. */
function dawdle(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket: Socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

const HOST = "Host: 127.0.0.1\r\n";
describe.each([
  // Authorised, so the refusal cannot come from the auth layer before the body is read.
  ["the fake Okta", () => okta.url, "/api/v1/users", () => `Authorization: SSWS ${okta.token}\r\n`],
  ["the gateway", () => gateway.url, "/__admin/mcp-servers", () => ""],
])("%s closes connections that dawdle", (_name, origin, path, auth) => {
  it("one that never sends a byte: 408", async () => {
    expect(await dawdle(origin(), "")).toMatch(/^HTTP\/1\.1 408/);
  });

  it("headers that never end (slow-loris): 408", async () => {
    expect(await dawdle(origin(), `GET ${path} HTTP/1.1\r\n${HOST}`)).toMatch(/^HTTP\/1\.1 408/);
  });

  it("a body that never finishes: 408, and nothing is run", async () => {
    const users = okta.state.org.users.length;
    const partial = `POST ${path} HTTP/1.1\r\n${HOST}${auth()}content-type: application/json\r\ncontent-length: 200\r\n\r\n{"profile":`;
    expect(await dawdle(origin(), partial)).toMatch(/^HTTP\/1\.1 408/);
    expect(okta.state.org.users.length).toBe(users);
  });

  it("a kept-alive connection left idle after its answer: closed", async () => {
    const answer = await dawdle(origin(), `GET /__admin/health HTTP/1.1\r\n${HOST}\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });
});
