import type { StrategyReport } from "./run-loadtest.js";

/** The load test's outputs: a table, and a self-contained HTML page with an SVG timeline. */

export function reportTable(reports: StrategyReport[]): string {
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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
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
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    ...budget,
    ...saturated,
  ].join("\n");
}

const escapeHtml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

/** One timeline as SVG: calls/s and 429s/s as bars, remaining budget as a line. */
function timelineSvg(
  series: { ok: number[]; limited: number[]; remaining: (number | null)[] },
  slotMs: number,
  label: string,
  height = 220,
): string {
  const { ok, limited, remaining } = series;
  const perSecond = 1000 / slotMs;
  const width = 900;
  const slots = Math.max(ok.length, 1);
  const x = (i: number) => 40 + (i / slots) * (width - 60);
  const maxRate = Math.max(1, ...ok.map((v) => v * perSecond), ...limited.map((v) => v * perSecond));
  const maxRemaining = Math.max(1, ...remaining.map((v) => v ?? 0));
  const y = (v: number, max: number) => height - 30 - (v / max) * (height - 50);
  const barWidth = Math.max(1, (width - 60) / slots - 1);
  const bars = ok.map(
    (v, i) =>
      `<rect x="${x(i).toFixed(1)}" y="${y(v * perSecond, maxRate).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(height - 30 - y(v * perSecond, maxRate)).toFixed(1)}" fill="#4a90d9"/>`,
  );
  const errors = limited.map((v, i) =>
    v > 0
      ? `<rect x="${x(i).toFixed(1)}" y="${y(v * perSecond, maxRate).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(height - 30 - y(v * perSecond, maxRate)).toFixed(1)}" fill="#d9534f"/>`
      : "",
  );
  const points = remaining.flatMap((v, i) =>
    v === null ? [] : [`${x(i).toFixed(1)},${y(v, maxRemaining).toFixed(1)}`],
  );
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}">
<line x1="40" y1="${height - 30}" x2="${width - 20}" y2="${height - 30}" stroke="#333"/>
<text x="40" y="${height - 10}" font-size="11">0 s</text><text x="${width - 60}" y="${height - 10}" font-size="11">${((slots * slotMs) / 1000).toFixed(1)} s</text>
<text x="2" y="20" font-size="11">${maxRate.toFixed(0)}/s</text>
${bars.join("")}${errors.join("")}
<polyline points="${points.join(" ")}" fill="none" stroke="#5cb85c" stroke-width="1.5"/>
</svg>`;
}

/** One section per strategy: the whole run, then each Okta bucket. No scripts, no network. */
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

export function reportHtml(reports: StrategyReport[], title = "paceline load test"): string {
  const charts = reports.map((r) => {
    const { slotMs } = r.timeline;
    const buckets = Object.entries(r.timeline.buckets ?? {}).map(
      ([bucket, series]) =>
        `<h3>${escapeHtml(bucket)}</h3>\n${timelineSvg(series, slotMs, `${r.strategy}: bucket ${bucket}`, 140)}`,
    );
    return `<section><h2>${escapeHtml(r.strategy)}: ${(r.timeMs / 1000).toFixed(1)} s, T* ${(r.lowerBoundMs / 1000).toFixed(1)} s (×${r.ratio.toFixed(2)}), ${r.rateLimited} 429s, ${r.usersAudited}/${r.users} audited</h2>
${timelineSvg(r.timeline, slotMs, `timeline for ${r.strategy}`)}
${buckets.join("\n")}
</section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:960px}pre{background:#f6f6f6;padding:1em;overflow:auto}h2{font-size:1em}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${reports[0] ? `<p class="settings">${escapeHtml(settingsLine(reports[0].settings))}</p>` : ""}
<p>Blue: calls completed per second. Red: 429s per second. Green: lowest remaining budget the fake Okta reported. Below each run, the same per Okta bucket (from the fake's journal).</p>
<pre>${escapeHtml(reportTable(reports))}</pre>
${charts.join("\n")}
</body></html>
`;
}
