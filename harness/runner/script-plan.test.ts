import { describe, expect, it } from "vitest";
import { ScenarioSchema } from "./scenario.js";
import { nextTurn, type PlannedTurn } from "./script-plan.js";

/** A script as a scenario file gives it, with defaults filled in. */
const script = (turns: unknown[]) => ScenarioSchema.shape.script.parse(turns);

/**
 * Plays a script against a fake server: each call's output comes from `answer`, and every turn is
 * found the way the scripted model finds it, by replaying the plan over the conversation so far.
 */
function play(
  turns: unknown[],
  answer: (name: string, args: Record<string, unknown>) => unknown,
  callsPerTurn = 10,
): PlannedTurn[] {
  const parsed = script(turns);
  const past: Map<string, string>[] = [];
  const played: PlannedTurn[] = [];
  for (;;) {
    const turn = nextTurn(parsed, past, callsPerTurn);
    played.push(turn);
    if ("say" in turn) return played;
    past.push(
      new Map(turn.calls.map((c) => [c.id, JSON.stringify(answer(c.name, JSON.parse(c.arguments)))])),
    );
  }
}

const users = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `u${i}`, status: i % 3 === 0 ? "SUSPENDED" : "ACTIVE" }));

describe("the scripted model's plan", () => {
  it("spreads a long step over turns of at most callsPerTurn calls, each id unique", () => {
    const turns = play(
      [
        { tools: [{ call: "list", args: {}, as: "users" }] },
        { tools: [{ call: "roles", forEach: "{{ users.result }}", args: { userId: "{{ item.id }}" } }] },
        { say: "done" },
      ],
      (name) => (name === "list" ? { result: users(25) } : { result: [] }),
    );
    const sizes = turns.map((t) => ("calls" in t ? t.calls.length : 0));
    expect(sizes).toEqual([1, 10, 10, 5, 0]);
    const ids = turns.flatMap((t) => ("calls" in t ? t.calls.map((c) => c.id) : []));
    expect(new Set(ids).size).toBe(26);
    expect(play([{ tools: [{ call: "x", args: {} }] }, { say: "y" }], () => ({}), 1)).toHaveLength(2);
  });

  it("where keeps only the elements that match; an empty step sends no turn", () => {
    const turns = play(
      [
        { tools: [{ call: "list", args: {}, as: "users" }] },
        {
          tools: [
            {
              call: "remove",
              forEach: "{{ users.result }}",
              where: { status: "SUSPENDED" },
              args: { id: "{{ item.id }}" },
            },
          ],
        },
        { tools: [{ call: "remove", forEach: "{{ users.result }}", where: { status: "GONE" }, args: {} }] },
        { say: "done" },
      ],
      () => ({ result: users(7) }),
    );
    const removed = turns.flatMap((t) => ("calls" in t ? t.calls.filter((c) => c.name === "remove") : []));
    expect(removed.map((c) => JSON.parse(c.arguments).id)).toEqual(["u0", "u3", "u6"]);
    expect(turns).toHaveLength(3);
  });

  it("repeat/while pages until the cursor runs out; all.label carries every page's items", () => {
    const pages: Record<string, unknown> = {
      start: { result: [{ id: "a" }, { id: "b" }], next_cursor: "c1" },
      c1: { result: [{ id: "c" }], next_cursor: "c2" },
      c2: { result: [{ id: "d" }], next_cursor: null },
    };
    const turns = play(
      [
        { tools: [{ call: "page", args: {}, as: "members" }] },
        {
          repeat: [
            { tools: [{ call: "page", args: { next_cursor: "{{ members.next_cursor }}" }, as: "members" }] },
          ],
          while: "{{ members.next_cursor }}",
        },
        { tools: [{ call: "touch", forEach: "{{ all.members.result }}", args: { id: "{{ item.id }}" } }] },
        { say: "{{ all.members.result.length }} members: {{ all.members.result.id }}" },
      ],
      (name, args) => (name === "page" ? pages[String(args.next_cursor ?? "start")] : {}),
    );
    const cursors = turns.flatMap((t) =>
      "calls" in t
        ? t.calls.filter((c) => c.name === "page").map((c) => JSON.parse(c.arguments).next_cursor ?? null)
        : [],
    );
    expect(cursors).toEqual([null, "c1", "c2"]);
    expect(turns.at(-1)).toEqual({ say: "4 members: a, b, c, d" });
  });

  it("answers can be computed from what the script read: [*field=value], .item, .length", () => {
    const roles: Record<string, string[]> = { u0: ["SUPER_ADMIN"], u1: [], u2: ["ORG_ADMIN", "SUPER_ADMIN"] };
    const turns = play(
      [
        { tools: [{ call: "list", args: {}, as: "users" }] },
        {
          tools: [
            { call: "roles", forEach: "{{ users.result }}", args: { userId: "{{ item.id }}" }, as: "roles" },
          ],
        },
        {
          say: "SUPER_ADMIN ({{ all.roles[*result.type=SUPER_ADMIN].length }}): {{ all.roles[*result.type=SUPER_ADMIN].item.id }}",
        },
      ],
      (name, args) =>
        name === "list"
          ? { result: users(3) }
          : { result: (roles[String(args.userId)] ?? []).map((type) => ({ type })) },
    );
    expect(turns.at(-1)).toEqual({ say: "SUPER_ADMIN (2): u0, u2" });
  });

  it("references join with +, and | unique and | count dedupe and count what they found", () => {
    // Group A has u0 and u1, group B u1 and u2: by hand, the union is u0, u1, u2 (3 people).
    const members: Record<string, string[]> = { A: ["u0", "u1"], B: ["u1", "u2"] };
    const turns = play(
      [
        {
          tools: [
            { call: "members", args: { group: "A" }, as: "a" },
            { call: "members", args: { group: "B" }, as: "b" },
          ],
        },
        {
          say: "{{ a.result.id + b.result.id | count }} memberships; {{ a.result.id + b.result.id | unique }} ({{ a.result.id + b.result.id | unique | count }} people)",
        },
      ],
      (_name, args) => ({ result: (members[String(args.group)] ?? []).map((id) => ({ id })) }),
    );
    expect(turns.at(-1)).toEqual({ say: "4 memberships; u0, u1, u2 (3 people)" });
    expect(() =>
      play(
        [{ tools: [{ call: "members", args: { group: "A" }, as: "a" }] }, { say: "{{ a.result | sorted }}" }],
        () => ({
          result: [],
        }),
      ),
    ).toThrow(/no filter 'sorted' \(known: unique, count\)/);
  });

  it("a loop that reaches its max ends, as an agent gives up, and its label says it was capped", () => {
    const endless = [
      { tools: [{ call: "page", args: {}, as: "p" }] },
      {
        repeat: [{ tools: [{ call: "page", args: {}, as: "p" }] }],
        while: "{{ p.next_cursor }}",
        max: 3,
        as: "paging",
      },
      { say: "capped: {{ paging.capped }} after {{ paging.passes }} passes" },
    ];
    const played = play(endless, () => ({ next_cursor: "same" }));
    // The first page, three passes of the loop, then the answer.
    expect(played).toHaveLength(5);
    expect(played.at(-1)).toEqual({ say: "capped: true after 3 passes" });
    const ending = play(endless, () => ({ next_cursor: null }));
    expect(ending.at(-1)).toEqual({ say: "capped: false after 0 passes" });
  });

  it("lenient (mutants): a reference to a result never read is null, a forEach over it calls nothing", () => {
    const skippedRead = script([
      { tools: [{ call: "suspend", args: { userId: "{{ user.result.id }}" } }] },
      { tools: [{ call: "remove", forEach: "{{ groups.result }}", args: { groupId: "{{ item.id }}" } }] },
      { say: "{{ user.result.profile.login }} is done" },
    ]);
    expect(() => nextTurn(skippedRead, [], 10)).toThrow(/no earlier result labelled 'user'/);
    const first = nextTurn(skippedRead, [], 10, true);
    expect(first).toMatchObject({ calls: [{ name: "suspend", arguments: '{"userId":null}' }] });
    // The forEach over nothing is no turn at all: the answer comes next.
    const answered = nextTurn(skippedRead, [new Map([["call_0_0", "{}"]])], 10, true);
    expect(answered).toEqual({ say: "null is done" });
  });

  it("a script that runs out is a named error; as labels only a loop", () => {
    expect(() => script([{ say: "x", as: "y" }])).toThrow(/as labels a repeat loop/);
    const parsed = script([{ tools: [{ call: "x", args: {} }] }, { say: "y" }]);
    expect(() => nextTurn(parsed, [new Map(), new Map()], 10)).toThrow(
      /was the final answer, yet the agent went on/,
    );
  });

  it("the schema refuses a turn that is two things at once, a where without forEach, a repeat without while", () => {
    expect(() => script([{ say: "x", tools: [{ call: "y" }] }])).toThrow(/exactly one of tools, say, repeat/);
    expect(() => script([{ tools: [{ call: "y", where: { a: 1 } }] }])).toThrow(/where filters a forEach/);
    expect(() => script([{ repeat: [{ say: "x" }] }])).toThrow(/repeat and while go together/);
  });
});
