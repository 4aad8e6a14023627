#!/usr/bin/env node
// Writes schemas/*.schema.json from the zod schemas (after npm run build). Usage: npm run schemas
import { writeFileSync } from "node:fs";
import { JSON_SCHEMA_FILES, jsonSchema } from "../dist/harness/json-schemas.js";

for (const file of Object.keys(JSON_SCHEMA_FILES)) {
  writeFileSync(
    new URL(`../schemas/${file}`, import.meta.url),
    `${JSON.stringify(jsonSchema(file), null, 2)}\n`,
  );
  console.log(`wrote schemas/${file}`);
}
