import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tsBlocks, typecheckBlocks } from "./support/readme-blocks.js";

/**
 * The client as a team that wants only the client gets it: `npm pack -w client`, unpacked into an
 * empty project, with exactly the packages npm would install beside it — the tree this
 * repository's lockfile resolved for the client workspace (its dependencies and their required
 * peers, optional peers left out), copied from node_modules in the lockfile's layout. (A registry
 * install gives the same tree: 15 packages. The tests reach no registry, and npm's cache after
 * `npm ci` holds tarballs but not the metadata `npm install --offline` needs.) Then the tree is
 * counted and weighed, the package imported with none of the harness's packages reachable, and
 * its README's TypeScript type-checked against it.
 */
const ROOT = join(import.meta.dirname, "..");
const client = JSON.parse(readFileSync(join(ROOT, "client", "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

interface LockEntry {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

/**
 * The lockfile paths of everything installing the `client` workspace brings, resolved as Node
 * and npm do: a package's own node_modules first, then each folder above it.
 */
function clientTree(): string[] {
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (
      let base = from;
      ;
      base = base.includes("/node_modules/") ? base.slice(0, base.lastIndexOf("/node_modules/")) : ""
    ) {
      const path = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[path]) return path;
      if (!base) return undefined;
    }
  };
  const visit = (path: string) => {
    const entry = lock.packages[path] ?? {};
    const required = Object.keys(entry.peerDependencies ?? {}).filter(
      (peer) => !entry.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...required]) {
      const target = resolve(path, name);
      if (!target) throw new Error(`the lockfile resolves no ${name} for ${path}`);
      if (found.has(target)) continue;
      found.add(target);
      visit(target);
    }
  };
  visit("client");
  return [...found];
}

/** What the harness needs and a client-only install must not bring. */
const HARNESS_ONLY = [
  "fastify",
  "nock",
  "openai",
  "ioredis",
  "commander",
  "yaml",
  "undici",
  "@modelcontextprotocol/server",
];
/**
 * The budget, from a registry install on 2026-12-05: 15 packages, 15.4 MiB. The MCP client SDK
 * (a required dependency) brings 13 of them and 15 MiB (zod 4 is 6 MB, the SDK's own dist 7 MB);
 * paceline adds itself and `structured-headers`, 0.4 MB. The bounds sit just above, so a new
 * dependency fails here and is argued for.
 */
const MAX_PACKAGES = 15;
const MAX_BYTES = 16 * 1024 * 1024;

let project: string;
let installed: string[];
let bytes: number;

/** Every package directory under a node_modules tree, nested ones included, by name. */
function packagesIn(modules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      if (entry.startsWith("@")) {
        for (const scoped of readdirSync(join(dir, entry)))
          visitPackage(join(dir, entry, scoped), `${entry}/${scoped}`);
      } else visitPackage(join(dir, entry), entry);
    }
  };
  const visitPackage = (path: string, name: string) => {
    found.push(name);
    const nested = join(path, "node_modules");
    if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) visit(nested);
  };
  visit(modules);
  return found.sort();
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "paceline-client-pack-"));
  // npm test has built client/dist; packing without scripts packs exactly that.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "-w", "client", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  ) as { filename: string }[];
  project = join(work, "consumer");
  const home = join(project, "node_modules", client.name);
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  execFileSync("tar", ["-xzf", join(work, packed[0]?.filename ?? ""), "-C", home, "--strip-components=1"]);
  // Each package of the tree in its lockfile place, without the folders nested in it (those are
  // packages of their own, copied when the tree holds them).
  for (const path of clientTree())
    cpSync(join(ROOT, path), join(project, path), {
      recursive: true,
      filter: (source) => !source.slice(join(ROOT, path).length).includes("node_modules"),
    });
  installed = packagesIn(join(project, "node_modules"));
  bytes = sizeOf(join(project, "node_modules"));
  console.log(`client-only install: ${installed.length} packages, ${(bytes / 1024 / 1024).toFixed(1)} MB`);
}, 180_000);

describe("the client installed alone", () => {
  it("is the MCP client SDK and what pacing needs: nothing of the harness", () => {
    expect(installed).toContain(client.name);
    expect(installed).toContain("@modelcontextprotocol/client");
    expect(installed.filter((name) => HARNESS_ONLY.includes(name))).toEqual([]);
    expect(installed.length, installed.join(", ")).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
  });

  it("carries the same version as the full package", () => {
    expect(client.version).toBe(root.version);
  });

  it("imports and connects its pieces without the optional peers (ioredis, openai, agent SDKs)", () => {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import("${client.name}");
         const fetch = m.pacedFetch();
         const shared = m.pacedFetch({ limiter: { redis: { url: "redis://127.0.0.1:1" } } });
         console.log(typeof m.connect, typeof m.PacedClient, typeof fetch);
         await fetch.close(); await shared.close();`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out.trim()).toBe("function function function");
  });

  it("a shared budget without ioredis installed fails the call naming the missing package", () => {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { pacedFetch } = await import("${client.name}");
         const fetch = pacedFetch({ limiter: { redis: { url: "redis://127.0.0.1:1" } } });
         const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "t", arguments: {} } });
         try { await fetch("http://127.0.0.1:1/mcp", { method: "POST", body, headers: { "content-type": "application/json" } }); console.log("sent"); }
         catch (error) { console.log(String(error.message)); }
         await fetch.close();`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out).toMatch(/ioredis/);
  });

  it("its README's TypeScript type-checks against the installed package", () => {
    const blocks = tsBlocks(join(ROOT, "client", "README.md"));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // The compiler and Node's types come from this repository; the code under test from the install.
    for (const name of ["typescript", "@types"])
      symlinkSync(join(ROOT, "node_modules", name), join(project, "node_modules", name));
    const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
    expect(typecheckBlocks(project, blocks, ["declare const mcpUrl: string;"], tsc)).toBe("");
  });
});
