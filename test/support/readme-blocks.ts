import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The ```ts blocks of a Markdown file, in order. */
export function tsBlocks(markdownFile: string): string[] {
  return [...readFileSync(markdownFile, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

/**
 * Writes each block as `readme-<n>.ts` in `project` (with the free names a snippet assumes
 * declared) and type-checks them strictly against what `project` has installed; returns the
 * compiler's complaints, empty when there are none.
 */
export function typecheckBlocks(project: string, blocks: string[], assumed: string[], tsc: string): string {
  writeFileSync(join(project, "assumed.d.ts"), `${assumed.join("\n")}\n`);
  for (const [i, block] of blocks.entries())
    writeFileSync(join(project, `readme-${i + 1}.ts`), `${block}\nexport {};\n`);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "es2023",
        module: "nodenext",
        moduleResolution: "nodenext",
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
      },
      include: ["*.ts"],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}
