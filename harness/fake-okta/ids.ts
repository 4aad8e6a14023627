import { Rng } from "./rng.js";

/**
 * Okta-shaped identifiers: 20 characters, a 3-character prefix by kind (`00u` users, `00g` groups,
 * `ra1` role assignments, `oty` user types). Drawn from a seeded RNG so a seed reproduces every id.
 */
export class IdSource {
  private readonly rng: Rng;
  private readonly issued = new Set<string>();

  constructor(seed: number) {
    this.rng = new Rng(seed ^ 0x5eed1d5);
  }

  okta(prefix: string): string {
    for (;;) {
      const id = prefix + this.rng.chars(20 - prefix.length);
      if (!this.issued.has(id)) {
        this.issued.add(id);
        return id;
      }
    }
  }

  /** Marks an explicitly given id as taken, so generated ids never collide with fixture ids. */
  reserve(id: string): void {
    this.issued.add(id);
  }

  uuid(): string {
    const hex = this.rng.chars(32, "0123456789abcdef");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  token(length: number): string {
    return this.rng.chars(length);
  }
}
