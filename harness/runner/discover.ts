import { globSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Scenario files from paths: files as given, folders searched for `*.yaml` (recordings excluded),
 * glob patterns expanded. A path that names nothing is an error, not an empty run.
 */
export function discoverScenarios(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      // Not a file or folder: a glob pattern, or a path that does not exist.
      const matches = globSync(path).filter((f) => /\.ya?ml$/.test(f));
      if (matches.length === 0) throw new Error(`${path}: no such scenario file or folder`);
      files.push(...matches);
      continue;
    }
    if (isDirectory)
      files.push(...globSync(join(path, "**/*.{yaml,yml}")).filter((f) => !f.includes("/recordings/")));
    else files.push(path);
  }
  return [...new Set(files)].sort();
}
