import { type Filter, parse } from "scim2-parse-filter";
import { OktaError } from "./errors.js";

/**
 * Okta's `filter` and `search` expressions: SCIM syntax (parsed by scim2-parse-filter), evaluated
 * here under Okta's per-endpoint rules for fields, operators and case (okta-api.md section 2).
 */
export interface FilterRules {
  /** Which operators a field accepts; `undefined` means the field cannot be used. */
  operators(field: string): readonly string[] | undefined;
  /** `search` compares values case-insensitively; `filter` does not. */
  caseInsensitive: boolean;
  /** Logs reject bad filters with E0000053; users and groups with E0000031. */
  errorCode: "E0000031" | "E0000053";
}

export type Accessor<T> = (record: T, field: string) => unknown;
export type Predicate<T> = (record: T) => boolean;

const COMPARE = ["gt", "ge", "lt", "le"] as const;

const USER_FILTER_FIELDS = new Set([
  "status",
  "id",
  "profile.login",
  "profile.email",
  "profile.firstName",
  "profile.lastName",
]);
const USER_DATES = new Set([
  "created",
  "activated",
  "statusChanged",
  "lastUpdated",
  "lastLogin",
  "passwordChanged",
]);
const CONTAINS_FIELDS = new Set(["profile.firstName", "profile.lastName", "profile.email", "profile.login"]);

export const USER_FILTER: FilterRules = {
  operators: (field) =>
    field === "lastUpdated" ? ["eq", ...COMPARE] : USER_FILTER_FIELDS.has(field) ? ["eq"] : undefined,
  caseInsensitive: false,
  errorCode: "E0000031",
};

export const USER_SEARCH: FilterRules = {
  operators: (field) => {
    if (USER_DATES.has(field)) return ["eq", ...COMPARE, "pr"];
    if (field === "id" || field === "status" || field === "type.id") return ["eq", "sw", ...COMPARE, "pr"];
    if (field.startsWith("profile."))
      return CONTAINS_FIELDS.has(field)
        ? ["eq", "sw", "co", "pr", ...COMPARE]
        : ["eq", "sw", "pr", ...COMPARE];
    return undefined;
  },
  caseInsensitive: true,
  errorCode: "E0000031",
};

const GROUP_DATES = new Set(["created", "lastUpdated", "lastMembershipUpdated"]);

export const GROUP_FILTER: FilterRules = {
  operators: (field) =>
    GROUP_DATES.has(field) && field !== "created"
      ? ["eq", ...COMPARE]
      : field === "id" || field === "type"
        ? ["eq"]
        : undefined,
  caseInsensitive: false,
  errorCode: "E0000031",
};

export const GROUP_SEARCH: FilterRules = {
  operators: (field) => {
    if (GROUP_DATES.has(field)) return ["eq", ...COMPARE];
    if (field === "id" || field === "type" || field === "source.id") return ["eq", "sw"];
    if (field === "profile.name" || field === "profile.description") return ["eq", "sw", "co"];
    if (field.startsWith("profile.")) return ["eq", "sw"];
    return undefined;
  },
  caseInsensitive: true,
  errorCode: "E0000031",
};

export const LOG_FILTER: FilterRules = {
  operators: (field) =>
    field === "published" ? undefined : ["eq", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "ne"],
  caseInsensitive: false,
  errorCode: "E0000053",
};

/** Compiles an expression into a predicate, or throws Okta's 400 naming what is wrong. */
export function compileFilter<T>(expression: string, rules: FilterRules, get: Accessor<T>): Predicate<T> {
  let ast: Filter;
  try {
    ast = parse(expression);
  } catch (error) {
    throw invalid(rules, `Invalid filter '${expression}': ${(error as Error).message}`);
  }
  return compileNode(ast, rules, get);
}

function compileNode<T>(node: Filter, rules: FilterRules, get: Accessor<T>): Predicate<T> {
  switch (node.op) {
    case "and": {
      const parts = node.filters.map((f) => compileNode(f, rules, get));
      return (r) => parts.every((p) => p(r));
    }
    case "or": {
      const parts = node.filters.map((f) => compileNode(f, rules, get));
      return (r) => parts.some((p) => p(r));
    }
    case "not":
      throw invalid(rules, "The 'not' operator is not supported");
    case "[]":
      throw invalid(rules, "Complex attribute filters are not supported");
    default: {
      const op = node.op.toLowerCase();
      const field = node.attrPath;
      const allowed = rules.operators(field);
      if (!allowed) throw invalid(rules, `Unsupported field '${field}'`);
      if (!allowed.includes(op)) throw invalid(rules, `Unsupported operator '${op}' for field '${field}'`);
      const expected = "compValue" in node ? node.compValue : undefined;
      return compileComparison(op, field, expected, rules.caseInsensitive, get);
    }
  }
}

function compileComparison<T>(
  op: string,
  field: string,
  expected: unknown,
  caseInsensitive: boolean,
  get: Accessor<T>,
): Predicate<T> {
  const norm = (v: unknown) => (caseInsensitive && typeof v === "string" ? v.toLowerCase() : v);
  const want = norm(expected);
  const wantText = String(want);
  switch (op) {
    case "pr":
      return (r) => {
        const v = get(r, field);
        return v !== undefined && v !== null && v !== "";
      };
    case "eq":
      return (r) => matchAny(get(r, field), (v) => norm(v) === want);
    case "ne":
      return (r) => !matchAny(get(r, field), (v) => norm(v) === want);
    case "sw":
      return (r) =>
        matchAny(get(r, field), (v) => typeof v === "string" && String(norm(v)).startsWith(wantText));
    case "ew":
      return (r) =>
        matchAny(get(r, field), (v) => typeof v === "string" && String(norm(v)).endsWith(wantText));
    case "co":
      return (r) =>
        matchAny(get(r, field), (v) => typeof v === "string" && String(norm(v)).includes(wantText));
    default: {
      const sign = {
        gt: (c: number) => c > 0,
        ge: (c: number) => c >= 0,
        lt: (c: number) => c < 0,
        le: (c: number) => c <= 0,
      }[op as "gt"];
      return (r) =>
        matchAny(get(r, field), (v) => v !== null && v !== undefined && sign(compare(norm(v), want)));
    }
  }
}

/** Array attributes match when any element matches, as SCIM says. */
function matchAny(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

/** Dates compare as instants; everything else as numbers or strings. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const da = Date.parse(String(a));
  const db = Date.parse(String(b));
  if (!Number.isNaN(da) && !Number.isNaN(db) && /^\d{4}-/.test(String(a))) return da - db;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function invalid(rules: FilterRules, cause: string): OktaError {
  return new OktaError(rules.errorCode, undefined, [cause]);
}
