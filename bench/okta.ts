/**
 * `npm run bench:okta`: requests per second of the fake Okta for a 200-user page and for a
 * single-user GET, next to a bare node:http server answering the same bytes. The servers run in a
 * child process so the load generator (autocannon) does not share their event loop; beside each
 * rate stands how busy that process's event loop was (near 100%: the figure measures the server);
 * `ratioPerBusySecond` compares requests per busy second, fair where autocannon, not the bare
 * server, set the bare rate.
 * Prints a table and writes bench/results/okta.json. BENCH_SECONDS sets each run's length (default 5).
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { startFakeOkta } from "../harness/fake-okta/server.js";
import { autocannonRate, benchSeconds, perBusyRatio, whileMeasuringHarness, writeReport } from "./measure.js";

const PAGE = "/api/v1/users?limit=200";
/** A search over every user's profile: the filter is parsed and run, not only the page sent. */
const SEARCH_PAGE = `/api/v1/users?limit=200&search=${encodeURIComponent('profile.department sw "E" or status eq "ACTIVE"')}`;
const singlePath = (userId: string) => `/api/v1/users/${userId}`;

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
  const page = await capture(PAGE);
  const userId = (JSON.parse(page.body.toString()) as { id: string }[])[0]?.id ?? "";
  const answers = new Map([
    [PAGE, page],
    [SEARCH_PAGE, await capture(SEARCH_PAGE)],
    [singlePath(userId), await capture(singlePath(userId))],
  ]);
  // The bare server answers the very same bytes, with no routing, auth, limits or serialising.
  const bare = createServer((request, response) => {
    const answer = answers.get(request.url ?? "") ?? page;
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
  // Exit (not die) on the parent's kill, so `NODE_OPTIONS=--cpu-prof` writes this process's profile.
  process.once("SIGTERM", () => process.exit(0));
  process.send?.(targets);
}

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const child = fork(new URL(import.meta.url), ["--serve"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const targets = await new Promise<Targets>((resolve) =>
    child.once("message", (m) => resolve(m as Targets)),
  );
  const adminUrl = `${targets.okta}/__admin`;
  const headers = { authorization: `SSWS ${targets.token}` };
  const measured = async (url: string) => {
    await autocannonRate({ url, headers }, 1); // warm-up
    const { result, harnessBusy } = await whileMeasuringHarness(adminUrl, () =>
      autocannonRate({ url, headers }, seconds),
    );
    return { ...result, busy: harnessBusy };
  };
  const cases = [
    { name: "200-user page", path: PAGE },
    { name: "200-user search page", path: SEARCH_PAGE },
    { name: "single-user GET", path: singlePath(targets.userId) },
  ];
  const rows = [];
  for (const c of cases) {
    const fake = await measured(`${targets.okta}${c.path}`);
    const bare = await measured(`${targets.bare}${c.path}`);
    rows.push({
      case: c.name,
      fakeRps: Math.round(fake.rps),
      bareRps: Math.round(bare.rps),
      ratio: fake.rps / bare.rps,
      ratioPerBusySecond: perBusyRatio(fake, bare),
      fakeP99Ms: fake.p99Ms,
      bareP99Ms: bare.p99Ms,
      fakeBusy: round(fake.busy),
      bareBusy: round(bare.busy),
      errors: fake.errors + bare.errors,
    });
  }
  const reset = await resetUnderLoad(targets);
  child.kill();
  console.log(`fake Okta vs bare node:http, same bytes, 32 connections, ${seconds}s each, 127.0.0.1`);
  console.table(
    rows.map((r) => ({
      ...r,
      ratio: r.ratio.toFixed(2),
      ratioPerBusySecond: r.ratioPerBusySecond.toFixed(2),
      fakeBusy: `${Math.round(100 * r.fakeBusy)}%`,
      bareBusy: `${Math.round(100 * r.bareBusy)}%`,
    })),
  );
  console.log(
    `a ${RESET_USERS.toLocaleString("en-US")}-user reset took ${reset.resetMs} ms; ${reset.answered} single-user GETs sent one after another meanwhile, the slowest answered in ${reset.maxWaitMs} ms (target ≤ 100)`,
  );
  writeReport("okta", { seconds, rows, reset });
}

const RESET_USERS = 100_000;

/**
 * A 100,000-user reset while single-user GETs go one after another: the org is built beside the
 * one serving them (`buildOrgCooperatively`), so none should wait long for the build.
 */
async function resetUnderLoad(targets: Targets) {
  const headers = { authorization: `SSWS ${targets.token}` };
  const started = performance.now();
  let resetMs = 0;
  const reset = fetch(`${targets.okta}/__admin/reset`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seed: 1, generate: { users: RESET_USERS, logs: 0 } }),
  }).then(async (response) => {
    await response.arrayBuffer();
    resetMs = Math.round(performance.now() - started);
  });
  const waits: number[] = [];
  while (resetMs === 0) {
    const sent = performance.now();
    await (await fetch(`${targets.okta}${singlePath(targets.userId)}`, { headers })).arrayBuffer();
    waits.push(performance.now() - sent);
  }
  await reset;
  return {
    users: RESET_USERS,
    resetMs,
    answered: waits.length,
    maxWaitMs: Math.round(Math.max(0, ...waits)),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

if (process.argv.includes("--serve")) await serveBoth();
else await main();
