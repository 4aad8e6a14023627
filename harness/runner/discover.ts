import { globSync, statSync } from "node:fs";
import { join } from "node:path";

/** Scenario files from paths: files as given, folders searched for `*.yaml` (recordings excluded). */
export function discoverScenarios(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      files.push(...globSync(path).filter((f) => /\.ya?ml$/.test(f)));
      continue;
    }
    if (isDirectory)
      files.push(...globSync(join(path, "**/*.{yaml,yml}")).filter((f) => !f.includes("/recordings/")));
    else files.push(path);
  }
  return [...new Set(files)].sort();
}
