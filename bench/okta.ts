/**
 * `npm run bench:okta`: requests per second of the fake Okta for a 200-user page and for a
 * single-user GET, next to a bare node:http server answering the same bytes. The servers run in a
 * child process so the load generator (autocannon) does not share their event loop. Prints a table
 * and writes bench/results/okta.json. BENCH_SECONDS sets each run's length (default 5).
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import autocannon from "autocannon";
import { startFakeOkta } from "../harness/fake-okta/server.js";

interface Targets {
  okta: string;
  bare: string;
  token: string;
  userId: string;
}

async function serveBoth(): Promise<void> {
  const okta = await startFakeOkta({
    fixture: { seed: 1, generate: { users: 500, logs: 0 } },
    limits: "none",
  });
  const auth = { authorization: `SSWS ${okta.token}` };
  const capture = async (path: string) => {
    const response = await fetch(`${okta.url}${path}`, { headers: auth });
    return { body: Buffer.from(await response.arrayBuffer()), link: response.headers.get("link") };
  };
  const page = await capture("/api/v1/users?limit=200");
  const userId = (JSON.parse(page.body.toString()) as { id: string }[])[0]?.id ?? "";
  const single = await capture(`/api/v1/users/${userId}`);
  // The bare server answers the very same bytes, with no routing, auth, limits or serialising.
  const bare = createServer((request, response) => {
    const answer = request.url?.startsWith("/api/v1/users?") ? page : single;
    response.writeHead(200, {
      "content-type": "application/json",
      ...(answer.link ? { link: answer.link } : {}),
    });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const address = bare.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const targets: Targets = { okta: okta.url, bare: `http://127.0.0.1:${port}`, token: okta.token, userId };
  process.send?.(targets);
}

async function measure(
  url: string,
  token: string,
  seconds: number,
): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({
    url,
    connections: 32,
    duration: seconds,
    headers: { authorization: `SSWS ${token}` },
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const child = fork(new URL(import.meta.url), ["--serve"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const targets = await new Promise<Targets>((resolve) =>
    child.once("message", (m) => resolve(m as Targets)),
  );
  const cases = [
    { name: "200-user page", path: "/api/v1/users?limit=200" },
    { name: "single-user GET", path: `/api/v1/users/${targets.userId}` },
  ];
  const rows = [];
  for (const c of cases) {
    const fake = await measure(`${targets.okta}${c.path}`, targets.token, seconds);
    const bare = await measure(`${targets.bare}${c.path}`, targets.token, seconds);
    rows.push({
      case: c.name,
      fakeRps: Math.round(fake.rps),
      bareRps: Math.round(bare.rps),
      ratio: fake.rps / bare.rps,
      fakeP99Ms: fake.p99,
      bareP99Ms: bare.p99,
      errors: fake.errors + bare.errors,
    });
  }
  child.kill();
  console.log(`fake Okta vs bare node:http, same bytes, 32 connections, ${seconds}s each, 127.0.0.1`);
  console.table(rows.map((r) => ({ ...r, ratio: r.ratio.toFixed(2) })));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    "bench/results/okta.json",
    `${JSON.stringify({ node: process.version, seconds, rows }, null, 2)}\n`,
  );
  console.log("wrote bench/results/okta.json");
}

if (process.argv.includes("--serve")) await serveBoth();
else await main();
