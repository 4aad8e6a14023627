import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JSON_SCHEMA_FILES, type JsonSchemaFile, jsonSchema } from "../harness/json-schemas.js";

/**
 * The JSON Schemas shipped in `schemas/` (for editors) are the zod schemas the CLI checks with,
 * and every bundled YAML file points at its schema and passes it.
 */
const ROOT = join(import.meta.dirname, "..");
const files = Object.keys(JSON_SCHEMA_FILES) as JsonSchemaFile[];
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
const validators = Object.fromEntries(files.map((file) => [file, ajv.compile(jsonSchema(file))]));

const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => join(dir, name));
const BUNDLED = [
  ...yamlIn("scenarios"),
  ...yamlIn("examples"),
  ...yamlIn("examples/fixtures"),
  ...yamlIn("test/fixtures/scenarios"),
];

describe("JSON Schemas for the files users write", () => {
  it.each(files)("schemas/%s is what the zod schema generates (npm run schemas)", (file) => {
    expect(JSON.parse(readFileSync(join(ROOT, "schemas", file), "utf8"))).toEqual(jsonSchema(file));
  });

  it.each(BUNDLED)("%s names its schema on its first line and passes it", (path) => {
    const text = readFileSync(join(ROOT, path), "utf8");
    const named = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1];
    expect(named, "first line: # yaml-language-server: $schema=…").toBeDefined();
    const file = named?.split("/").at(-1) as JsonSchemaFile;
    expect(files).toContain(file);
    // The relative path resolves from the file to the shipped schema.
    expect(join(ROOT, path, "..", named ?? "")).toBe(join(ROOT, "schemas", file));
    const validate = validators[file];
    const valid = validate?.(parse(text));
    expect(valid ? [] : validate?.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  it("a misspelled field fails the schema, as it fails the CLI", () => {
    const scenario = parse(readFileSync(join(ROOT, "scenarios/offboarding.yaml"), "utf8"));
    const validate = validators["scenario.schema.json"];
    expect(validate?.({ ...scenario, expectations: scenario.expect })).toBe(false);
    expect(validate?.errors?.some((e) => e.keyword === "additionalProperties")).toBe(true);
  });
});
