import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";

/** Reads a YAML or JSON file (JSON is YAML); errors name the file and line. */
export async function loadDataFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    return parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0]?.line;
      throw new Error(
        `${path}${line ? `:${line}` : ""}: not valid YAML or JSON: ${error.message.split("\n")[0]}`,
      );
    }
    throw error;
  }
}
