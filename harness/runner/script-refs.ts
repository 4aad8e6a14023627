/**
 * `{{ label.path }}` references in scripted tool arguments: a value from an earlier tool result.
 * Paths: `.field`, `.0` or `[0]` for an index, `[key.path=value]` for the first element whose
 * field equals the value. A string that is only a reference takes the value's own type.
 */
export class ScriptReferenceError extends Error {
  override name = "ScriptReferenceError";
}

const TEMPLATE = /\{\{\s*([^}]+?)\s*\}\}/g;

export function resolveReferences(value: unknown, results: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{\s*([^}]+?)\s*\}\}$/.exec(value);
    if (whole?.[1]) return lookup(whole[1], results);
    return value.replace(TEMPLATE, (_, expression: string) => String(lookup(expression, results)));
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, results));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, results)]));
  }
  return value;
}

function lookup(expression: string, results: ReadonlyMap<string, unknown>): unknown {
  const label = /^\w+/.exec(expression)?.[0];
  if (!label || !results.has(label)) {
    throw new ScriptReferenceError(
      `{{ ${expression} }}: no earlier result labelled '${label ?? ""}' (known: ${[...results.keys()].join(", ") || "none"})`,
    );
  }
  let current: unknown = results.get(label);
  const rest = expression.slice(label.length);
  const step = /\.(\w+)|\[(\d+)\]|\[([^\]=]+)=([^\]]*)\]/y;
  let index = 0;
  while (index < rest.length) {
    step.lastIndex = index;
    const match = step.exec(rest);
    if (!match)
      throw new ScriptReferenceError(`{{ ${expression} }}: cannot read the path at '${rest.slice(index)}'`);
    index = step.lastIndex;
    const [, field, position, key, wanted] = match;
    if (key !== undefined) {
      current = Array.isArray(current)
        ? current.find((item) => String(dig(item, key)) === wanted)
        : undefined;
    } else {
      const name = field ?? position ?? "";
      current =
        current !== null && typeof current === "object"
          ? (current as Record<string, unknown>)[name]
          : undefined;
    }
    if (current === undefined)
      throw new ScriptReferenceError(`{{ ${expression} }}: nothing at '${rest.slice(0, index)}'`);
  }
  return current;
}

function dig(value: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined),
      value,
    );
}
