/**
 * `npm run bench:memory`: the fake Okta's memory per 1,000 users of its org (at 1k, 10k and 50k
 * users) and per 100,000 journal entries, each size in a fresh child process with `--expose-gc`,
 * after a full collection. Targets: growth linear in the org (per-user cost at 50k within 1.5× of
 * the cost at 10k), under 30 KB per user, and the journal held at its capacity. JSON in
 * bench/results/memory.json.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startFakeOkta } from "../harness/fake-okta/server.js";
import { writeReport } from "./measure.js";

interface Sample {
  users: number;
  rssMb: number;
  heapMb: number;
  bytesPerUser: number;
  journalEntries: number;
  journalBytesPer100k: number;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
};

async function child(users: number, journalEntries: number, capacity: number): Promise<Sample> {
  const empty = await startFakeOkta({ fixture: { generate: { users: 0, logs: 0 } }, limits: "none" });
  await empty.close();
  const base = used();
  const okta = await startFakeOkta({
    fixture: { seed: 1, generate: { users, logs: 0 } },
    limits: "none",
    journalCapacity: capacity,
  });
  const withOrg = used();
  const entry = {
    requestId: "req",
    method: "GET",
    path: "/api/v1/users/00u0000000000000000",
    query: { limit: "200" },
    status: 200,
    startedAt: Date.now(),
    durationMs: 1,
    bucket: "users-get",
    rateLimit: { limit: 600, remaining: 599, reset: 1 },
    retryFor: null,
    retryCount: null,
    faults: [],
  };
  for (let i = 0; i < journalEntries; i++) okta.state.journal.record({ ...entry, requestId: `req-${i}` });
  const withJournal = used();
  const kept = okta.state.journal.list().length;
  await okta.close();
  return {
    users,
    rssMb: Math.round(withOrg.rss / 1e5) / 10,
    heapMb: Math.round(withOrg.heap / 1e5) / 10,
    bytesPerUser: Math.round((withOrg.heap - base.heap) / Math.max(1, users)),
    journalEntries: kept,
    journalBytesPer100k: Math.round(((withJournal.heap - withOrg.heap) / Math.max(1, kept)) * 100_000),
  };
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const sample = await child(Number(args[1]), Number(args[2]), Number(args[3]));
  process.stdout.write(JSON.stringify(sample));
} else {
  const script = fileURLToPath(import.meta.url);
  const capacity = 100_000;
  const samples: Sample[] = [];
  for (const users of [1_000, 10_000, 50_000]) {
    // Twice the capacity is written: the journal must keep at most its capacity.
    const out = execFileSync(
      process.execPath,
      ["--expose-gc", script, "--child", String(users), String(2 * capacity), String(capacity)],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    );
    const sample = JSON.parse(out) as Sample;
    samples.push(sample);
    console.log(
      `${String(users).padStart(6)} users: heap ${sample.heapMb} MB, RSS ${sample.rssMb} MB, ${(sample.bytesPerUser / 1024).toFixed(1)} KB per user; journal kept ${sample.journalEntries} of ${2 * capacity}, ${(sample.journalBytesPer100k / 1e6).toFixed(1)} MB per 100k entries`,
    );
  }
  const at10k = samples.find((s) => s.users === 10_000)?.bytesPerUser ?? 0;
  const at50k = samples.find((s) => s.users === 50_000)?.bytesPerUser ?? 0;
  const linear = at50k / Math.max(1, at10k);
  console.log(
    `per-user cost at 50k over 10k: ${linear.toFixed(2)} (linear ≤ 1.5); target under 30 KB per user`,
  );
  writeReport("memory", { capacity, samples, linearity: linear });
}
