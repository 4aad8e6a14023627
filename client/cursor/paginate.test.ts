import { describe, expect, it } from "vitest";
import { nextFromLink, type Page, PageShapeError, readPage } from "./page.js";
import { CursorLoop, type PaginateOptions } from "./paginate.js";

/** A scripted list tool: page i has `sizes[i]` items and `cursors[i]` as its next cursor. */
function scripted(sizes: number[], cursors: (string | null)[]) {
  const asked: (string | undefined)[] = [];
  let served = 0;
  const fetchPage = async (cursor: string | undefined): Promise<Page> => {
    asked.push(cursor);
    const index = served++;
    const size = sizes[Math.min(index, sizes.length - 1)] ?? 0;
    return {
      items: Array.from({ length: size }, (_, i) => `${index}.${i}`),
      nextCursor: cursors[Math.min(index, cursors.length - 1)] ?? null,
    };
  };
  return { fetchPage, asked };
}

async function run(sizes: number[], cursors: (string | null)[], options: PaginateOptions = {}) {
  const { fetchPage, asked } = scripted(sizes, cursors);
  const loop = new CursorLoop<string>(fetchPage, options);
  const items: string[] = [];
  for await (const item of loop) items.push(item);
  return { items, asked, reason: loop.stopReason, pages: loop.pages };
}

describe("the cursor driver's stop reasons", () => {
  it("end: a null cursor; each cursor passed back unchanged", async () => {
    const r = await run([2, 2, 1], ["c1", "c2~/+=", null]);
    expect(r).toMatchObject({ reason: "end", pages: 3 });
    expect(r.items).toHaveLength(5);
    expect(r.asked).toEqual([undefined, "c1", "c2~/+="]);
  });
  it("empty_page: the System Log's polling cursor never runs out", async () => {
    const r = await run([3, 0], ["p1", "p2", "p3"]);
    expect(r).toMatchObject({ reason: "empty_page", pages: 2 });
    expect(r.items).toHaveLength(3);
  });
  it("repeated_cursor: a server handing back the same cursor", async () => {
    const r = await run([1], ["same"]);
    expect(r).toMatchObject({ reason: "repeated_cursor", pages: 2 });
  });
  it("repeated_cursor: a cycle of two cursors", async () => {
    const r = await run([1], ["a", "b", "a", "b"]);
    expect(r).toMatchObject({ reason: "repeated_cursor", pages: 3 });
  });
  it("max_pages", async () => {
    const r = await run([2], ["a", "b", "c", "d", "e", "f"], { maxPages: 3 });
    expect(r).toMatchObject({ reason: "max_pages", pages: 3 });
    expect(r.items).toHaveLength(6);
  });
  it("max_items: stops mid-page with exactly the cap", async () => {
    const r = await run([4, 4, 4], ["a", "b", null], { maxItems: 6 });
    expect(r).toMatchObject({ reason: "max_items", pages: 2 });
    expect(r.items).toEqual(["0.0", "0.1", "0.2", "0.3", "1.0", "1.1"]);
  });
  it("max_items at a page boundary does not fetch another page", async () => {
    const r = await run([3, 3], ["a", "b"], { maxItems: 3 });
    expect(r).toMatchObject({ reason: "max_items", pages: 1 });
  });
  it("an empty last page with no cursor is the end, not empty_page", async () => {
    const r = await run([0], [null]);
    expect(r).toMatchObject({ reason: "end", pages: 1, items: [] });
  });
});

describe("reading a page", () => {
  it("from structured content, the gateway shape", () => {
    expect(readPage({ structuredContent: { result: [1, 2], next_cursor: "abc" } })).toEqual({
      items: [1, 2],
      nextCursor: "abc",
    });
    expect(readPage({ structuredContent: { result: [1], next_cursor: null } })).toEqual({
      items: [1],
      nextCursor: null,
    });
  });
  it("from JSON text when there is no structured content", () => {
    const result = { content: [{ type: "text", text: JSON.stringify({ items: ["x"], nextCursor: "n2" }) }] };
    expect(readPage(result)).toEqual({ items: ["x"], nextCursor: "n2" });
  });
  it("Link-style next URLs", () => {
    expect(
      readPage({ structuredContent: { data: [1], links: { next: "https://api.example.com/users?after=9" } } })
        .nextCursor,
    ).toBe("https://api.example.com/users?after=9");
    const link =
      '<https://o.okta.com/api/v1/users?limit=2>; rel="self", <https://o.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"';
    expect(readPage({ structuredContent: { result: [], link } }).nextCursor).toBe(
      "https://o.okta.com/api/v1/users?after=00u2&limit=2",
    );
    expect(nextFromLink('<https://o/x>; rel="self"')).toBeNull();
  });
  it("a result with no list is an error saying what it looked like and how to extract, never an empty page", () => {
    expect(() => readPage({ content: [{ type: "text", text: "no json here" }] }, "list_things")).toThrow(
      PageShapeError,
    );
    expect(() => readPage({ content: [{ type: "text", text: "no json here" }] }, "list_things")).toThrow(
      /list_things: .*content blocks \[text\] with no JSON object.*pagination\.extract/,
    );
    expect(() => readPage({ structuredContent: { users: [1, 2], more: true } }, "list_users")).toThrow(
      /an object with users: array, more: boolean/,
    );
  });
});
