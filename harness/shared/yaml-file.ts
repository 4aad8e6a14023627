import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";

/**
 * YAML (and JSON, which is YAML) files validated by a schema, with errors in one voice:
 * `file:line:column: field: problem`, one line per problem, an unknown field pointing at its own key.
 */
export class DataFileError extends Error {
  override name = "DataFileError";
}

export function parseYamlAs<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new DataFileError(`${where(first?.pos[0])}: not valid YAML: ${first?.message.split("\n")[0]}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const locate = (path: PropertyKey[]) => {
    // The deepest node of the path that exists in the file: the field itself, or its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as
        | { range?: number[] }
        | undefined;
      if (node?.range?.[0] !== undefined) return node.range[0];
    }
    return undefined;
  };
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => {
        const pair = (
          doc.getIn(issue.path as (string | number)[], true) as
            | { items?: { key?: { value?: unknown; range?: number[] } }[] }
            | undefined
        )?.items?.find((item) => item.key?.value === key);
        return `${where(pair?.key?.range?.[0] ?? locate(issue.path))}: ${[...issue.path, key].join(".")}: unknown field`;
      });
    return [`${where(locate(issue.path))}: ${issue.path.join(".") || "(root)"}: ${issue.message}`];
  });
  throw new DataFileError(problems.join("\n"));
}

export async function readYamlAs<S extends z.ZodType>(schema: S, file: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(
      code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`,
    );
  }
  return parseYamlAs(schema, text, file);
}
