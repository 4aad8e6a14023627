import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { reportHtml, tickStep } from "../harness/loadtest/report.js";
import type { StrategyReport } from "../harness/loadtest/run-loadtest.js";

/**
 * The load test's HTML page as a reader sees it: rendered by Debian's Chromium (headless, driven
 * by puppeteer-core) in a 1280 px window, screenshot taken, and the summary table read back from
 * the rendered page. `.ci/run` installs Chromium; elsewhere the suite says why it skips.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const why = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
if (why && process.env.CI) throw new Error(`report browser test: ${why}; CI must run it`);
if (why) console.warn(`\n*** SKIPPING the report's browser test: ${why}. .ci/run installs it. ***\n`);

/** A run as the load test reports it, with figures chosen by hand: `seconds` long, 1 s slots. */
function run(strategy: StrategyReport["strategy"], seconds: number, rateLimited: number): StrategyReport {
  const slots = seconds;
  return {
    strategy,
    users: 500,
    timeMs: seconds * 1000,
    lowerBoundMs: 16_000,
    ratio: (seconds * 1000) / 16_000,
    bound: {
      pages: 3,
      totalCalls: 1003,
      rateMs: 16_000,
      concurrencyMs: 1000,
      pathMs: 100,
      lowerBoundMs: 16_000,
      limitedBy: "rate",
    },
    calls: 1003,
    attempts: 1003 + rateLimited,
    rateLimited,
    clientRateLimited: rateLimited,
    retries: rateLimited,
    wasted: rateLimited,
    failed: 0,
    usersAudited: 500,
    duplicates: 0,
    complete: true,
    latency: { p50: 30, p95: 1004, p99: 1098, max: 1112 },
    peakInFlight: 16,
    budget: [{ bucket: "other", windows: slots, meanUse: 0.9, peakUse: 1 }],
    host: { harness: "child-process", eventLoopUtilization: 0.1, cpu: 0.1, saturated: false },
    settings: {
      paceline: "0.1.0",
      startedAt: "2026-12-05T12:00:00.000Z",
      node: "v24.0.0",
      users: 500,
      concurrency: 16,
      workers: 1,
      pageSize: 200,
      seed: 42,
      limits: LIMIT_PRESETS.tight,
      faults: false,
      sharedLimiter: false,
    },
    timeline: {
      slotMs: 1000,
      ok: Array.from({ length: slots }, () => 60),
      limited: Array.from({ length: slots }, (_, i) => (i === 0 ? rateLimited : 0)),
      remaining: Array.from({ length: slots }, () => 0),
      buckets: {
        other: {
          ok: Array.from({ length: slots }, () => 60),
          limited: Array.from({ length: slots }, () => 0),
          remaining: Array.from({ length: slots }, () => 0),
        },
      },
    },
  } as StrategyReport;
}

describe("round ticks", () => {
  it("are 1, 2 or 5 times a power of ten, at most the count asked for", () => {
    // By hand: 17 s over about 10 ticks is a step of 2 s; 93/s over 4 is 50/s; 0.7 over 5 is 0.2.
    expect(tickStep(17, 10)).toBe(2);
    expect(tickStep(93, 4)).toBe(50);
    expect(tickStep(0.7, 5)).toBeCloseTo(0.2);
    expect(tickStep(60, 10)).toBe(10);
  });
});

describe.skipIf(why !== undefined)("the HTML report in a browser, 1280 px wide", () => {
  let browser: import("puppeteer-core").Browser;
  beforeAll(async () => {
    const puppeteer = await import("puppeteer-core");
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
  }, 60_000);
  afterAll(async () => browser?.close());

  it("shows the whole summary table, reads back each run's figures, and puts every chart on one time axis", async () => {
    // Paced ends at 17 s, retry-only at 31 s: both charts run to 31 s (ticks every 5 s: 0…30 s).
    const html = reportHtml([run("paced", 17, 2), run("retry-only", 31, 240)]);
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.setContent(html, { waitUntil: "load" });
    const shot = join(mkdtempSync(join(tmpdir(), "paceline-report-")), "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    // PNG header: the width is the 4 bytes at offset 16.
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1280);

    // Run in the page (as text: this project's types have no DOM).
    const layout = (await page.evaluate(`(() => {
      const table = document.querySelector("#summary");
      const rect = table.getBoundingClientRect();
      return {
        right: rect.right,
        pageWidth: document.documentElement.scrollWidth,
        header: [...table.querySelectorAll("th")].map((th) => th.textContent),
        rows: [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.innerText)),
        lastTicks: [...document.querySelectorAll("svg")].map(
          (svg) => [...svg.querySelectorAll("text")].map((t) => t.textContent).filter((t) => / s$/.test(t)).at(-1),
        ),
      };
    })()`)) as { right: number; pageWidth: number; header: string[]; rows: string[][]; lastTicks: string[] };
    // Nothing is cut: the table ends inside the window and the page does not scroll sideways.
    expect(layout.right).toBeLessThanOrEqual(1280);
    expect(layout.pageWidth).toBeLessThanOrEqual(1280);
    expect(layout.header).toEqual([
      "strategy",
      "users",
      "time",
      "T*",
      "time/T*",
      "calls",
      "429s",
      "retries",
      "wasted",
      "failed",
      "audited",
      "p50",
      "p95",
      "p99",
      "peak",
    ]);
    // The figures as rendered: 17 s and 31 s against T* 16 s; 240 of 1,243 attempts is 19.3%.
    expect(layout.rows.map((row) => [row[0], row[2], row[4], row[6], row[14]])).toEqual([
      ["paced", "17.0s", "1.06", "2 (0.2%)", "16"],
      ["retry-only", "31.0s", "1.94", "240 (19.3%)", "16"],
    ]);
    // Four charts (each run and its one bucket), all ending at the longest run's 30 s tick.
    expect(layout.lastTicks).toEqual(["30 s", "30 s", "30 s", "30 s"]);
    await page.close();
  }, 60_000);
});
