import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["client/**/*.test.ts", "harness/**/*.test.ts", "cli/**/*.test.ts", "test/**/*.test.ts"],
    // Servers bind 127.0.0.1 on port 0; tests are independent and may run in parallel files.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
