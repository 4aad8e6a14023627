#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { Command, InvalidArgumentError, Option } from "commander";
import { pacelineVersion } from "../harness/shared/version.js";
import { externalHarnessProblem, loadtestCommand } from "./loadtest.js";
import { mutateCommand } from "./mutate.js";
import { runCommand } from "./run.js";
import { serve } from "./serve.js";
import { simulateCommand } from "./simulate.js";

/** An integer option within bounds; the message names the option, the bounds and the value. */
const integer =
  (name: string, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}) =>
  (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}, got '${value}'`,
      );
    return n;
  };
/** A decimal option within bounds, named in the message when it is not one. */
const decimal =
  (name: string, { min = 0, max = Number.MAX_VALUE }: { min?: number; max?: number } = {}) =>
  (value: string) => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got '${value}'`);
    return n;
  };
const port = (name: string) => integer(name, { min: 0, max: 65_535 });

/** A `serve` option that may also come from a PACELINE_* environment variable (for containers). */
const serveOption = (flags: string, description: string, env: string) =>
  new Option(flags, description).env(`PACELINE_${env}`);

/**
 * An MCP URL token, checked in the action rather than by commander, whose message would quote the
 * value: this one names the option and the rule, never the token (a secret).
 */
function checkUrlToken(name: string, value: string | undefined): void {
  if (value !== undefined && !/^[\w-]{16,128}$/.test(value))
    throw new Error(`${name} must be 16 to 128 letters, digits, '-' or '_' (got ${value.length} characters)`);
}

/** An http(s) URL, named in the message when it is not one. */
const httpUrl = (name: string) => (value: string) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol))
    throw new InvalidArgumentError(`${name} must be an http:// or https:// URL, got '${value}'`);
  return value;
};

/** A yes/no environment variable: 1/true/yes or 0/false/no (any case); anything else is an error naming it. */
function envFlag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new InvalidArgumentError(`${name} must be 1, true, yes, 0, false or no, got '${value}'`);
}

const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

const PACKAGE_VERSION = pacelineVersion();

const program = new Command()
  .name("paceline")
  .description("Rate-limit-aware MCP client for Okta gateways, and the fake Okta harness that proves it.")
  .version(PACKAGE_VERSION, "-V, --version", "print paceline's version")
  .showHelpAfterError("(paceline --help lists the commands)");

program
  .command("serve")
  .description("start the fake Okta and the MCP gateway in front of it (127.0.0.1 unless --host)")
  .addOption(
    serveOption("--port <n>", "fake Okta's port (0 picks a free one)", "PORT")
      .argParser(port("--port"))
      .default(0),
  )
  .addOption(
    serveOption("--gateway-port <n>", "MCP gateway's port (0 picks a free one)", "GATEWAY_PORT")
      .argParser(port("--gateway-port"))
      .default(0),
  )
  .addOption(
    serveOption("--host <address>", "address to listen on, e.g. 0.0.0.0 in a container", "HOST").default(
      "127.0.0.1",
    ),
  )
  .addOption(
    serveOption(
      "--allowed-hosts <list>",
      "host names clients may use besides loopback (Host/Origin check)",
      "ALLOWED_HOSTS",
    ).argParser(list),
  )
  .addOption(
    serveOption("--seed <n>", "seed of the directory generator", "SEED")
      .argParser(integer("--seed"))
      .default(42),
  )
  .addOption(
    serveOption("--users <n>", "users to generate", "USERS").argParser(integer("--users")).default(200),
  )
  .addOption(
    serveOption("--groups <n>", "groups to generate (the named ones first)", "GROUPS")
      .argParser(integer("--groups"))
      .default(12),
  )
  .addOption(
    serveOption("--logs <n>", "System Log events to generate (a week's worth)", "LOGS")
      .argParser(integer("--logs"))
      .default(1000),
  )
  .addOption(
    serveOption(
      "--fixture <file>",
      "start from a YAML/JSON org fixture instead of the generator flags",
      "FIXTURE",
    ),
  )
  .addOption(
    serveOption(
      "--limits <preset|file>",
      "rate limits: okta (published per-minute defaults), tight, none, or a file",
      "LIMITS",
    ).default("okta"),
  )
  .addOption(
    serveOption(
      "--reset-rounding <way>",
      "X-Rate-Limit-Reset in whole seconds, rounded up or down",
      "RESET_ROUNDING",
    )
      .choices(["up", "down"])
      .default("up"),
  )
  .addOption(serveOption("--faults <file>", "a YAML/JSON fault schedule to install at start", "FAULTS"))
  .addOption(
    serveOption(
      "--journal-capacity <n>",
      "request journal entries kept in memory (oldest dropped first)",
      "JOURNAL_CAPACITY",
    )
      .argParser(integer("--journal-capacity", { min: 1 }))
      .default(100_000),
  )
  .addOption(serveOption("--token <token>", "the SSWS API token to accept (default: random)", "TOKEN"))
  .addOption(
    serveOption(
      "--mcp-token <token>",
      "the MCP server's URL token, so its URL can be written once (default: random)",
      "MCP_TOKEN",
    ),
  )
  .addOption(
    serveOption(
      "--methods <list>",
      "gateway tool filter: read, write, custom, method or tool names (comma-separated)",
      "METHODS",
    ).argParser(list),
  )
  .addOption(
    serveOption("--tags <list>", "gateway tag filter, e.g. users,groups (comma-separated)", "TAGS").argParser(
      list,
    ),
  )
  .addOption(
    serveOption("--rate-limit-mode <mode>", "how the gateway passes an upstream 429 on", "RATE_LIMIT_MODE")
      .choices(["tool_result", "http_429"])
      .default("tool_result"),
  )
  .addOption(
    serveOption(
      "--result-content <form>",
      "tool results as structuredContent plus text (both) or text only",
      "RESULT_CONTENT",
    )
      .choices(["both", "text"])
      .default("both"),
  )
  .addOption(
    serveOption("--response-mode <mode>", "gateway Streamable HTTP answers", "RESPONSE_MODE")
      .choices(["json", "sse"])
      .default("json"),
  )
  // PACELINE_JSON is read by hand: commander would take any value, `false` too, as on.
  .option(
    "--json",
    "print one JSON line {oktaUrl, oktaToken, adminUrl, mcpUrl, gatewayAdminUrl} instead of text (or PACELINE_JSON=1)",
  )
  .addHelpText(
    "after",
    `
Examples:
  $ paceline serve
  $ paceline serve --port 0 --seed 42 --users 500 --json
  $ paceline serve --limits tight --faults faults.yaml
  $ paceline serve --methods read --rate-limit-mode http_429
  $ paceline serve --fixture examples/fixtures/offboarding.yaml
  $ paceline serve --host 0.0.0.0 --allowed-hosts paceline --port 8080 --gateway-port 8081 --mcp-token ci-token-0123456789

Every option can also come from the environment: PACELINE_PORT, PACELINE_MCP_TOKEN, PACELINE_USERS…`,
  )
  .action(async (options) => {
    checkUrlToken("--mcp-token (or PACELINE_MCP_TOKEN)", options.mcpToken);
    const json = options.json ?? envFlag("PACELINE_JSON", process.env.PACELINE_JSON) ?? false;
    const harness = await serve({ ...options, json });
    const stop = async () => {
      await harness.close();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("run")
  .description(
    "replay agent scenarios against the in-process harness and score them (default: the bundled scenarios)",
  )
  .argument("[paths...]", "scenario files or folders")
  .addOption(
    new Option("--mode <mode>", "where the model's answers come from")
      .choices(["scripted", "replay", "live"])
      .default("scripted"),
  )
  .option("--model <name>", "model for live runs (env PACELINE_MODEL; default gpt-4.1-mini)")
  .addOption(
    new Option("--api <api>", "OpenAI API for live runs").choices(["chat", "responses"]).default("chat"),
  )
  .option("--trials <k>", "repeat live runs k times and report pass^k", integer("--trials", { min: 1 }), 1)
  .option("--junit <file>", "write JUnit XML (one testcase per scenario)")
  .option("--json <file>", "write the results as JSON")
  .option("-v, --verbose", "print each scenario's tool calls: turn, tool, arguments, outcome", false)
  .option("--grep <pattern>", "only scenarios whose name matches (regular expression, any case)")
  .option("--tag <tags>", "only scenarios with one of these tags (comma-separated)", (value: string) =>
    value
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .addHelpText(
    "after",
    `
Examples:
  $ paceline run                                   every bundled scenario, scripted model, no key
  $ paceline run --tag offboarding --verbose       the offboarding ones, each tool call printed
  $ paceline run scenarios/offboarding.yaml --junit reports/junit.xml
  $ paceline run --mode replay                     play recordings back (scenarios/recordings/)
  $ OPENAI_API_KEY=... paceline run --mode live --trials 3`,
  )
  .action(async (paths: string[], options) => {
    process.exitCode = await runCommand(paths, options);
  });

program
  .command("record")
  .description("run scenarios against a real OpenAI-compatible model and save recordings beside them")
  .argument("<paths...>", "scenario files or folders")
  .option("--model <name>", "model (env PACELINE_MODEL; default gpt-4.1-mini)")
  .addOption(new Option("--api <api>", "OpenAI API").choices(["chat", "responses"]).default("chat"))
  .option(
    "--scripted",
    "let each scenario's own script stand in for the model (replay fixtures without a key)",
    false,
  )
  .addHelpText(
    "after",
    `
Uses OPENAI_BASE_URL and OPENAI_API_KEY. Recordings go to recordings/<name>.json beside each scenario file, with
keys, tokens and volatile ids scrubbed.

Examples:
  $ OPENAI_API_KEY=... paceline record scenarios/offboarding.yaml
  $ OPENAI_BASE_URL=http://127.0.0.1:11434/v1 paceline record scenarios --model llama3.1
  $ paceline record scenarios --scripted           fixtures for --mode replay, no key needed`,
  )
  .action(async (paths: string[], options) => {
    process.exitCode = await runCommand(paths, { ...options, mode: "record", trials: 1 });
  });

program
  .command("mutate")
  .description("mutate each scenario's script one step at a time and count the wrong versions it catches")
  .argument("[paths...]", "scenario files or folders (default: the bundled scenarios)")
  .option("--json <file>", "write every mutant's outcome as JSON")
  .addHelpText(
    "after",
    `
A mutant skips a call, repeats one, drops a where filter, stops paging or answers "Done.". It is
killed when its scenario fails, invalid when its script no longer runs. Limits and faults are off.

Examples:
  $ paceline mutate                                 the bundled scenarios
  $ paceline mutate my-scenarios/ --json reports/mutants.json`,
  )
  .action(async (paths: string[], options) => {
    process.exitCode = await mutateCommand(paths, options);
  });

program
  .command("loadtest")
  .description(
    "time the audit loop (list every user, then roles and groups) against the rate limit's lower bound",
  )
  .option("--users <n>", "users in the seeded directory", integer("--users", { min: 1 }), 500)
  .option("--workers <n>", "processes sharing the directory", integer("--workers", { min: 1, max: 64 }), 1)
  .option(
    "--concurrency <c>",
    "calls in flight (split across workers)",
    integer("--concurrency", { min: 1, max: 10_000 }),
    16,
  )
  .option(
    "--limits <preset|file>",
    "rate limits: tight (default: short windows), okta, none, or a file",
    "tight",
  )
  .option("--window-ms <w>", "set every bucket's window (ms)", integer("--window-ms", { min: 1 }))
  .addOption(
    new Option("--reset-rounding <way>", "X-Rate-Limit-Reset in whole seconds, rounded up or down")
      .choices(["up", "down"])
      .default("up"),
  )
  .option("--strategy <list>", "paced, retry-only, none, a comma list, or all", "all")
  .option("--faults <file>", "a fault schedule for the fake Okta")
  .option("--json <file>", "write one object per strategy run")
  .option("--html <file>", "write a self-contained page with a timeline")
  .option("--mcp-url <url>", "use a running gateway instead of the in-process harness", httpUrl("--mcp-url"))
  .option(
    "--admin-url <url>",
    "with --mcp-url: that harness's fake Okta admin API (serve --json prints adminUrl): its limits give T*, and --users re-seeds it",
    httpUrl("--admin-url"),
  )
  .option(
    "--harness-process",
    "run the harness in a child process, so client and harness do not share a core (default on machines with more than one)",
    availableParallelism() > 1,
  )
  .option("--no-harness-process", "run the harness in this process")
  .option(
    "--shared-limiter <redis-url|auto>",
    "workers share one Redis-backed limiter (auto starts a local redis-server)",
  )
  .option("--page-size <n>", "users per page", integer("--page-size", { min: 1, max: 200 }), 200)
  .option("--seed <n>", "directory seed", integer("--seed"), 42)
  .addOption(new Option("--worker <i/N>").hideHelp())
  .addHelpText(
    "after",
    `
Examples:
  $ paceline loadtest                                   500 users, tight limits, all three strategies
  $ paceline loadtest --strategy paced --users 10000 --json out.json --html out.html
  $ paceline loadtest --limits okta --window-ms 10000 --concurrency 32
  $ paceline loadtest --workers 3 --shared-limiter auto`,
  )
  .action(async (options, command: Command) => {
    const given = (name: string) => command.getOptionValueSource(name) !== "default";
    const chosen = { ...options, given: { users: given("users"), limits: given("limits") } };
    // Options that cannot go together are a usage error, with the command's pointer.
    const problem = externalHarnessProblem(chosen);
    if (problem) command.error(`error: ${problem}`);
    process.exitCode = await loadtestCommand(chosen);
  });

program
  .command("simulate")
  .description(
    "predict the audit loop's time, T* and 429s in virtual time with paceline's own call engine (capacity planning)",
  )
  .option("--users <n>", "users in the directory", integer("--users", { min: 1, max: 10_000_000 }), 500)
  .option("--limits <preset|file>", "rate limits: okta (default), tight, none, or a file", "okta")
  .option("--window-ms <w>", "set every bucket's window (ms)", integer("--window-ms", { min: 1 }))
  .addOption(
    new Option("--reset-rounding <way>", "X-Rate-Limit-Reset in whole seconds, rounded up or down")
      .choices(["up", "down"])
      .default("up"),
  )
  .addOption(
    new Option("--window-model <model>", "windows open with the first request, or on a fixed grid")
      .choices(["first-request", "periodic"])
      .default("first-request"),
  )
  .option(
    "--latency-ms <ms>",
    "round trip of one call through the gateway",
    integer("--latency-ms", { min: 0 }),
    200,
  )
  .option(
    "--jitter <percent>",
    "each round trip varies uniformly by ± this share of it",
    integer("--jitter", { min: 0, max: 99 }),
    50,
  )
  .option(
    "--cpu-ms <ms>",
    "CPU each call costs the client's event loop, which serves calls one at a time (loadtest --json: host.cpu × time / attempts)",
    decimal("--cpu-ms", { min: 0, max: 1000 }),
    0,
  )
  .option(
    "--concurrency <c>",
    "calls in flight (split across workers)",
    integer("--concurrency", { min: 1, max: 10_000 }),
    16,
  )
  .option("--workers <n>", "processes sharing the directory", integer("--workers", { min: 1, max: 64 }), 1)
  .option("--shared-limiter", "workers share one Redis budget (as loadtest --shared-limiter)", false)
  .addOption(
    new Option("--reporting <which>", "which gateway answers carry the budget")
      .choices(["always", "on_429", "never"])
      .default("always"),
  )
  .addOption(
    new Option("--rate-limit-mode <mode>", "how the gateway hands a 429 on")
      .choices(["tool_result", "http_429"])
      .default("tool_result"),
  )
  .addOption(
    new Option("--strategy <s>", "paced or retry-only").choices(["paced", "retry-only"]).default("paced"),
  )
  .option(
    "--seeds <n>",
    "seeds to simulate (worst and p90 reported)",
    integer("--seeds", { min: 1, max: 100 }),
    3,
  )
  .option("--page-size <n>", "users per page", integer("--page-size", { min: 1, max: 200 }), 200)
  .option("--json <file>", "write the prediction as JSON (- for standard output only)")
  .addHelpText(
    "after",
    `
Examples:
  $ paceline simulate --users 50000                        Okta's limits, 200 ms ±50% per call
  $ paceline simulate --users 2000 --limits okta --window-ms 10000 --latency-ms 300 --concurrency 32
  $ paceline simulate --workers 4 --shared-limiter --reporting on_429 --json -`,
  )
  .action(async (options) => {
    process.exitCode = await simulateCommand({ ...options, jitter: options.jitter / 100 });
  });

program.addHelpText(
  "after",
  `
Examples:
  $ paceline run                            replay the bundled agent scenarios (no key, no network)
  $ paceline serve                          fake Okta (200 seeded users, Okta's limits) and the MCP gateway
  $ paceline serve --users 500 --json       machine-readable URL and token on one line
  $ paceline loadtest                       the 500-user audit loop against the rate limit's lower bound
  $ paceline serve --help                   every option of serve`,
);

// Each command's own pointer names it: `(paceline serve --help lists the options)`.
for (const command of program.commands)
  command.showHelpAfterError(`(paceline ${command.name()} --help lists the options)`);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`paceline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
