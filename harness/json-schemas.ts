import { z } from "zod";
import { FaultScheduleSchema } from "./fake-okta/faults.js";
import { FixtureSchema } from "./fake-okta/fixture.js";
import { RateLimitConfigSchema } from "./fake-okta/rate-limits.js";
import { ScenarioSchema } from "./runner/scenario.js";

/**
 * JSON Schemas for the files a user writes (scenario, fixture, limits, faults), generated from the
 * zod schemas that check them, so an editor completes and checks what the CLI will accept. The
 * bundled YAML files point at them (`# yaml-language-server: $schema=…`); `npm run schemas`
 * writes them to `schemas/`, and a test keeps the committed files equal to these.
 */
export const JSON_SCHEMA_FILES = {
  "scenario.schema.json": { schema: ScenarioSchema, title: "paceline scenario" },
  "fixture.schema.json": { schema: FixtureSchema, title: "paceline fake Okta org fixture" },
  "limits.schema.json": { schema: RateLimitConfigSchema, title: "paceline rate limits" },
  "faults.schema.json": { schema: FaultScheduleSchema, title: "paceline fault schedule" },
} as const;

export type JsonSchemaFile = keyof typeof JSON_SCHEMA_FILES;

/** One file's schema: what a user may write (zod's input side), with its title. */
export function jsonSchema(file: JsonSchemaFile): Record<string, unknown> {
  const { schema, title } = JSON_SCHEMA_FILES[file];
  return { title, ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) };
}
