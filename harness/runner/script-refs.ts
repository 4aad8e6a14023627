/**
 * `{{ label.path }}` references in scripted tool arguments and answers: a value from an earlier
 * tool result. Paths:
 * - `.field`: a field; on a list, that field of every element (lists flattened one level), and
 *   `.length` the list's length;
 * - `.0` or `[0]`: an index;
 * - `[key.path=value]`: the first element whose field equals the value (or, when the field is a
 *   list, contains it); `[*key.path=value]`: every such element.
 * Several references joined by ` + ` are one list (their values, lists flattened one level), and
 * `| unique` (distinct values, first kept) and `| count` (a list's length) apply left to right:
 * `{{ all.a.result.id + all.b.result.id | unique | count }}`.
 * A string that is only a reference takes the value's own type; inside text, a list is joined
 * with ", ".
 */
export class ScriptReferenceError extends Error {
  override name = "ScriptReferenceError";
}

const TEMPLATE = /\{\{\s*([^}]+?)\s*\}\}/g;

export function resolveReferences(
  value: unknown,
  results: ReadonlyMap<string, unknown>,
  /** A reference to nothing resolves to null instead of failing (mutants: an agent that skipped a read). */
  lenient = false,
): unknown {
  const find = (expression: string) => {
    try {
      return evaluate(expression, results);
    } catch (error) {
      if (lenient && error instanceof ScriptReferenceError) return null;
      throw error;
    }
  };
  if (typeof value === "string") {
    const whole = /^\{\{\s*([^}]+?)\s*\}\}$/.exec(value);
    if (whole?.[1]) return find(whole[1]);
    return value.replace(TEMPLATE, (_, expression: string) => {
      const found = find(expression);
      return Array.isArray(found) ? found.map(String).join(", ") : String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, results, lenient));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveReferences(v, results, lenient)]),
    );
  }
  return value;
}

/** Whether an element's field (a dotted path) equals the value, or, for a list field, contains it. */
export function fieldMatches(item: unknown, path: string, wanted: unknown): boolean {
  const have = dig(item, path);
  const values = Array.isArray(have) ? have : [have];
  return values.some((v) => v !== undefined && String(v) === String(wanted));
}

const FILTERS: Record<string, (value: unknown) => unknown> = {
  unique: (value) => {
    if (!Array.isArray(value)) return value;
    const seen = new Set<string>();
    return value.filter((item) => {
      const key = typeof item === "object" ? JSON.stringify(item) : String(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  },
  count: (value) => (Array.isArray(value) ? value.length : value === null || value === undefined ? 0 : 1),
};

/** References joined by ` + `, then filters after `|`. */
function evaluate(expression: string, results: ReadonlyMap<string, unknown>): unknown {
  const [paths = "", ...filters] = expression.split("|").map((part) => part.trim());
  const parts = paths.split(/\s+\+\s+/).map((path) => lookup(path, results));
  let value = parts.length === 1 ? parts[0] : parts.flatMap((part) => (Array.isArray(part) ? part : [part]));
  for (const name of filters) {
    const filter = FILTERS[name];
    if (!filter)
      throw new ScriptReferenceError(
        `{{ ${expression} }}: no filter '${name}' (known: ${Object.keys(FILTERS).join(", ")})`,
      );
    value = filter(value);
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
  const step = /\.(\w+)|\[(\d+)\]|\[(\*?)([^\]=]+)=([^\]]*)\]/y;
  let index = 0;
  while (index < rest.length) {
    step.lastIndex = index;
    const match = step.exec(rest);
    if (!match)
      throw new ScriptReferenceError(`{{ ${expression} }}: cannot read the path at '${rest.slice(index)}'`);
    index = step.lastIndex;
    const [, field, position, every, key, wanted] = match;
    if (key !== undefined) {
      const list = Array.isArray(current) ? current : [];
      current = every
        ? list.filter((item) => fieldMatches(item, key, wanted))
        : list.find((item) => fieldMatches(item, key, wanted));
    } else {
      current = dig(current, field ?? position ?? "");
    }
    if (current === undefined)
      throw new ScriptReferenceError(`{{ ${expression} }}: nothing at '${rest.slice(0, index)}'`);
  }
  return current;
}

/** A dotted path into a value; through a list it maps over the elements (flattening one level). */
export function dig(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, key) => step(v, key), value);
}

function step(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    if (key === "length") return value.length;
    if (/^\d+$/.test(key)) return value[Number(key)];
    return value.flatMap((element) => {
      const inner = step(element, key);
      return inner === undefined ? [] : inner;
    });
  }
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}
