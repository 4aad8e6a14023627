import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tsBlocks, typecheckBlocks } from "./support/readme-blocks.js";

/**
 * The package as a stranger gets it: `npm pack` from this tree, unpacked into a new project's
 * node_modules, with its dependencies beside it (linked from this tree's node_modules: the tests
 * reach no registry). Then every TypeScript block of the README is type-checked against it, and the
 * blocks that need nothing running are run.
 */
const ROOT = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

let project: string;
let files: string[];

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "paceline-pack-"));
  // npm test has built dist/; packing without scripts packs exactly that.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]?.files.map((f) => f.path) ?? [];
  project = join(work, "consumer");
  const modules = join(project, "node_modules");
  mkdirSync(join(modules, "paceline"), { recursive: true });
  execFileSync("tar", [
    "-xzf",
    join(work, packed[0]?.filename ?? ""),
    "-C",
    join(modules, "paceline"),
    "--strip-components=1",
  ]);
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry === "paceline" || entry.startsWith(".")) continue;
    symlinkSync(join(ROOT, "node_modules", entry), join(modules, entry));
  }
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
}, 120_000);

describe("npm pack", () => {
  it("ships the built library, CLI, scenarios, examples and licence; no benchmarks, maps or test helpers", () => {
    for (const path of [
      "dist/cli/main.js",
      "dist/client/index.d.ts",
      "dist/harness/containers/index.js",
      "LICENSE",
      "README.md",
    ])
      expect(files, path).toContain(path);
    expect(files.some((f) => f.startsWith("scenarios/") && f.endsWith(".yaml"))).toBe(true);
    expect(files.some((f) => f.startsWith("examples/"))).toBe(true);
    expect(files.filter((f) => /^dist\/bench\/|\.map$|test-helpers|\.test\./.test(f))).toEqual([]);
  });

  it("every package the built code imports is a dependency or an optional peer", () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const builtins = new Set(builtinModules);
    const undeclared = new Set<string>();
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(join(project, "node_modules", "paceline", file), "utf8");
      // Import statements and dynamic imports only (not comments or strings that mention "from").
      const statements =
        /^\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"./][^"]*)"|^\s*import\s*"([^"./][^"]*)"|\bimport\(\s*"([^"./][^"]*)"\s*\)/gm;
      for (const match of text.matchAll(statements)) {
        const spec = match[1] ?? match[2] ?? match[3];
        const name = spec?.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec?.split("/")[0];
        if (name && !name.startsWith("node:") && !builtins.has(name) && !declared.has(name))
          undeclared.add(`${name} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
  });

  it("the CLI runs from the package and prints its version", () => {
    const out = execFileSync(
      process.execPath,
      [join(project, "node_modules/paceline/dist/cli/main.js"), "--version"],
      {
        encoding: "utf8",
      },
    );
    expect(out.trim()).toBe(pkg.version);
  });
});

describe("the README's TypeScript, against the package", () => {
  const blocks = tsBlocks(join(ROOT, "README.md"));

  it("every block type-checks (strict), with the free names a snippet assumes declared", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    // The names snippets use without defining them, declared once as a reader would supply them.
    const assumed = [
      "declare const mcpUrl: string;",
      "declare const apiToken: string;",
      "declare const userId: string;",
      "declare function audit(user: unknown): void;",
      'declare const completion: import("openai/resources/chat/completions").ChatCompletion;',
    ];
    expect(typecheckBlocks(project, blocks, assumed, join(ROOT, "node_modules/typescript/bin/tsc"))).toBe("");
  }, 120_000);

  it("the library blocks that need nothing running run as written", () => {
    const runnable = blocks
      .map((block, i) => ({ block, file: join(project, `readme-${i + 1}.ts`) }))
      .filter(
        ({ block }) =>
          /^import .* from "paceline\/harness";$/m.test(block) &&
          !/paceline\/(client|vitest|testcontainers)/.test(block),
      );
    expect(runnable.length).toBeGreaterThanOrEqual(2);
    for (const { file } of runnable) {
      const out = execFileSync(process.execPath, [file], { cwd: project, encoding: "utf8", timeout: 60_000 });
      expect(out.length).toBeGreaterThan(0);
    }
  }, 120_000);
});
