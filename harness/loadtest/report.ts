import type { StrategyReport } from "./run-loadtest.js";

/** The load test's outputs: a table, and a self-contained HTML page with an SVG timeline. */

/** The summary's columns and one row per strategy: the text table and the page's table. */
function summary(reports: StrategyReport[]): { header: string[]; rows: string[][] } {
  const header = [
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
  ];
  const rows = reports.map((r) => [
    r.strategy,
    String(r.users),
    `${(r.timeMs / 1000).toFixed(1)}s`,
    `${(r.lowerBoundMs / 1000).toFixed(1)}s`,
    r.ratio.toFixed(2),
    String(r.attempts),
    `${r.rateLimited} (${((100 * r.rateLimited) / Math.max(1, r.attempts)).toFixed(1)}%)`,
    String(r.retries),
    String(r.wasted),
    String(r.failed),
    `${r.usersAudited}/${r.users}${r.complete ? "" : " INCOMPLETE"}`,
    `${r.latency.p50}ms`,
    `${r.latency.p95}ms`,
    `${r.latency.p99}ms`,
    String(r.peakInFlight),
  ]);
  return { header, rows };
}

/** The lines under the summary: budget used per window, and any run that measured a busy host. */
function notesOf(reports: StrategyReport[]): string[] {
  const budget = reports.map(
    (r) =>
      `${r.strategy}: budget used per window — ${r.budget.map((b) => `${b.bucket} ${(100 * b.meanUse).toFixed(0)}% mean, ${(100 * b.peakUse).toFixed(0)}% peak over ${b.windows} windows`).join("; ") || "n/a"}`,
  );
  const saturated = reports
    .filter((r) => r.host?.saturated)
    .map((r) => {
      const harness =
        r.host.harnessEventLoopUtilization === undefined
          ? ""
          : `, the harness process's ${(100 * r.host.harnessEventLoopUtilization).toFixed(0)}%`;
      const advice =
        r.host.harness === "in-process"
          ? " with the harness in it: the time may measure the harness, not the limit. Run `paceline serve` in another process and pass --mcp-url, or --harness-process, or use --workers"
          : ": the time may measure a busy machine, not the limit";
      return `${r.strategy}: saturated (event loop ${(100 * r.host.eventLoopUtilization).toFixed(0)}% busy, CPU ${(100 * r.host.cpu).toFixed(0)}% of a core${harness})${advice}.`;
    });
  return [...budget, ...saturated];
}

export function reportTable(reports: StrategyReport[]): string {
  const { header, rows } = summary(reports);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    ...notesOf(reports),
  ].join("\n");
}

const escapeHtml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

/** A round step for about `count` ticks over `range`: 1, 2 or 5 times a power of ten. */
export function tickStep(range: number, count: number): number {
  const raw = Math.max(range, Number.MIN_VALUE) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power) as number;
}

const WIDTH = 1180;
const LEFT = 56;
const RIGHT = 64;

/**
 * One timeline as SVG, on the page's common time axis (`axisMs`, the longest run): calls/s and
 * 429s/s as bars against the left scale, the lowest remaining budget as a line against the right
 * one, with gridlines at round values of both axes.
 */
function timelineSvg(
  series: { ok: number[]; limited: number[]; remaining: (number | null)[] },
  slotMs: number,
  axisMs: number,
  label: string,
  height = 220,
): string {
  const { ok, limited, remaining } = series;
  const perSecond = 1000 / slotMs;
  const plot = WIDTH - LEFT - RIGHT;
  const bottom = height - 30;
  const x = (ms: number) => LEFT + (ms / axisMs) * plot;
  const maxRate = Math.max(1, ...ok.map((v) => v * perSecond), ...limited.map((v) => v * perSecond));
  const rateStep = tickStep(maxRate, 4);
  const rateTop = Math.ceil(maxRate / rateStep) * rateStep;
  const maxRemaining = Math.max(1, ...remaining.map((v) => v ?? 0));
  const y = (v: number, max: number) => bottom - (v / max) * (bottom - 20);
  const barWidth = Math.max(1, (slotMs / axisMs) * plot - 1);
  const bar = (v: number, i: number, fill: string) =>
    `<rect x="${x(i * slotMs).toFixed(1)}" y="${y(v * perSecond, rateTop).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(bottom - y(v * perSecond, rateTop)).toFixed(1)}" fill="${fill}"/>`;
  const grid: string[] = [];
  const timeStep = tickStep(axisMs / 1000, 10);
  for (let t = 0; t <= axisMs / 1000 + 1e-9; t += timeStep)
    grid.push(
      `<line x1="${x(t * 1000).toFixed(1)}" y1="20" x2="${x(t * 1000).toFixed(1)}" y2="${bottom}" stroke="#e4e4e4"/><text x="${x(t * 1000).toFixed(1)}" y="${height - 12}" font-size="11" text-anchor="middle">${Number(t.toFixed(3))} s</text>`,
    );
  for (let v = 0; v <= rateTop + 1e-9; v += rateStep)
    grid.push(
      `<line x1="${LEFT}" y1="${y(v, rateTop).toFixed(1)}" x2="${LEFT + plot}" y2="${y(v, rateTop).toFixed(1)}" stroke="#e4e4e4"/><text x="${LEFT - 6}" y="${(y(v, rateTop) + 4).toFixed(1)}" font-size="11" text-anchor="end">${Number(v.toFixed(3))}/s</text>`,
    );
  const points = remaining.flatMap((v, i) =>
    v === null ? [] : [`${x((i + 0.5) * slotMs).toFixed(1)},${y(v, maxRemaining).toFixed(1)}`],
  );
  return `<svg width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(label)}">
${grid.join("\n")}
<line x1="${LEFT}" y1="${bottom}" x2="${LEFT + plot}" y2="${bottom}" stroke="#333"/>
${ok.map((v, i) => bar(v, i, "#4a90d9")).join("")}${limited.map((v, i) => (v > 0 ? bar(v, i, "#d9534f") : "")).join("")}
<polyline points="${points.join(" ")}" fill="none" stroke="#3c9a3c" stroke-width="1.5"/>
<text x="${LEFT + plot + 6}" y="${y(maxRemaining, maxRemaining) + 4}" font-size="11" fill="#3c9a3c">${maxRemaining} left</text>
<text x="${LEFT + plot + 6}" y="${bottom + 4}" font-size="11" fill="#3c9a3c">0 left</text>
</svg>`;
}

/** The longest timeline of any run on the page, in ms: every chart shares this axis. */
function commonAxisMs(reports: StrategyReport[]): number {
  const lengths = reports.flatMap((r) => [
    r.timeline.ok.length * r.timeline.slotMs,
    ...Object.values(r.timeline.buckets ?? {}).map((b) => b.ok.length * r.timeline.slotMs),
  ]);
  return Math.max(1, ...lengths);
}

/** The run's settings in one line, for the page (the JSON has them whole). */
export function settingsLine(settings: StrategyReport["settings"]): string {
  const { limits } = settings;
  return [
    `paceline ${settings.paceline}, Node ${settings.node}, started ${settings.startedAt}`,
    `${settings.users} users, ${settings.concurrency} in flight, ${settings.workers} worker(s), pages of ${settings.pageSize}, seed ${settings.seed}`,
    `limits: ${limits.windowMs} ms windows, concurrency ${limits.concurrency || "unlimited"}, ${limits.buckets.length} buckets`,
    `faults ${settings.faults ? "on" : "off"}, shared limiter ${settings.sharedLimiter ? "on" : "off"}`,
  ].join(" · ");
}

/** One section per strategy: the whole run, then each Okta bucket. No scripts, no network. */
export function reportHtml(reports: StrategyReport[], title = "paceline load test"): string {
  const axisMs = commonAxisMs(reports);
  const charts = reports.map((r) => {
    const { slotMs } = r.timeline;
    const buckets = Object.entries(r.timeline.buckets ?? {}).map(
      ([bucket, series]) =>
        `<h3>${escapeHtml(bucket)}</h3>\n${timelineSvg(series, slotMs, axisMs, `${r.strategy}: bucket ${bucket}`, 140)}`,
    );
    return `<section><h2>${escapeHtml(r.strategy)}: ${(r.timeMs / 1000).toFixed(1)} s, T* ${(r.lowerBoundMs / 1000).toFixed(1)} s (×${r.ratio.toFixed(2)}), ${r.rateLimited} 429s, ${r.usersAudited}/${r.users} audited</h2>
${timelineSvg(r.timeline, slotMs, axisMs, `timeline for ${r.strategy}`)}
${buckets.join("\n")}
</section>`;
  });
  const { header, rows } = summary(reports);
  const notes = notesOf(reports);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1240px}h2{font-size:1em}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${reports[0] ? `<p class="settings">${escapeHtml(settingsLine(reports[0].settings))}</p>` : ""}
<table id="summary"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>${rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n")}</tbody></table>
${notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n")}
<p>Every chart shares one time axis (the longest run's). Blue: calls completed per second and red: 429s per second (left scale). Green: the lowest remaining budget the fake Okta reported (right scale). Below each run, the same per Okta bucket (from the fake's journal).</p>
${charts.join("\n")}
</body></html>
`;
}
