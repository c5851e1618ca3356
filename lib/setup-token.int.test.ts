// The first-run setup against a real PostgreSQL: without the token npm start printed (or with a
// wrong one) nothing is created; with it, exactly one admin, and the token is gone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase } from "@/test/support/database";
import { announceSetupToken, ensureSetupToken, firstRunSetup, setupTokenFile } from "./setup-token";

let database: Awaited<ReturnType<typeof migratedDatabase>>;
const form = { name: "Ada", email: "ada@example.test", password: "correct-horse-battery", confirm: "correct-horse-battery" };

beforeAll(async () => {
  process.env.LVS_PANEL_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-setup-token-"));
  database = await migratedDatabase("lvs_setup_token_auth");
});
afterAll(async () => {
  await database?.close();
  fs.rmSync(process.env.LVS_PANEL_DATA_DIR!, { recursive: true, force: true });
});

describe("first-run setup token", () => {
  it("is printed at start on an empty database and kept 0600 in the data directory", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    try {
      await announceSetupToken(database.prisma);
    } finally {
      console.log = log;
    }
    const token = fs.readFileSync(setupTokenFile(), "utf8").trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(lines.join("\n")).toContain(token);
    expect(fs.statSync(setupTokenFile()).mode & 0o777).toBe(0o600);
    expect(ensureSetupToken()).toEqual({ token, created: false });
  });

  it("refuses a setup without the token or with a wrong one, and creates no user", async () => {
    const token = ensureSetupToken().token;
    await expect(firstRunSetup(database.prisma, form)).rejects.toMatchObject({ fields: { setupToken: [expect.stringContaining("is not the token")] } });
    await expect(firstRunSetup(database.prisma, { ...form, setupToken: "" })).rejects.toThrow("That is not the setup token");
    await expect(firstRunSetup(database.prisma, { ...form, setupToken: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") })).rejects.toThrow("That is not the setup token");
    expect(await database.prisma.user.count()).toBe(0);
  });

  it("with the token creates the admin once; the token is then gone", async () => {
    const token = ensureSetupToken().token;
    const u = await firstRunSetup(database.prisma, { ...form, setupToken: ` ${token}\n` });
    expect(u.role).toBe("admin");
    expect(fs.existsSync(setupTokenFile())).toBe(false);
    await expect(firstRunSetup(database.prisma, { ...form, email: "eve@example.test", setupToken: token })).rejects.toThrow("That is not the setup token");
    expect(await database.prisma.user.count()).toBe(1);
  });
});
