import { defineConfig } from "vitest/config";
import path from "node:path";

const alias = { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "test/support/server-only.ts") };
// unit: pure code, no I/O. integration: real PostgreSQL, real sshd, the real lab (*.int.test.ts).
// Integration tests get one retry: the lab is a TCG-emulated VM on a shared 2-core machine; a test
// that passes only on its retry is named in the closing summary (scripts/test-summary.mjs).
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["lib/**/*.test.ts", "test/unit/**/*.test.ts", "bin/**/*.test.ts"], exclude: ["**/*.int.test.ts", "node_modules/**", ".data/**"] } },
      { resolve: { alias }, test: { name: "integration", include: ["**/*.int.test.ts"], exclude: ["node_modules/**", ".data/**"], testTimeout: 120_000, hookTimeout: 300_000, fileParallelism: false, retry: 1 } },
    ],
  },
});
