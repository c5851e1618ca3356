import { describe, expect, it } from "vitest";
import { renderDirectors } from "@/bin/commands/ha-render";
import { expectedFailoverMs, type DirectorHaReading, type DirectorHaRow } from "./model";
import { directorsView, secondsText, splitBrainText } from "./view";

const now = Date.parse("2026-12-04T10:00:00Z");
const POLL = 2000;
const ds = [{ id: "a", name: "director1", address: "10.0.0.1", vrrpPriority: 150 }, { id: "b", name: "director2", address: "10.0.0.2", vrrpPriority: 100 }];
const r = (state: DirectorHaReading["vrrpState"], vips: string[], extra: Partial<DirectorHaReading> = {}): DirectorHaReading =>
  ({ keepalived: "running", vrrpState: state, vipsHeld: vips, syncDaemon: "", syncedConns: null, behind: false, ...extra });
const row = (hostId: string, name: string, reading: DirectorHaReading | null, ageMs = 500, error: string | null = null): DirectorHaRow =>
  ({ hostId, name, reading, error, readAt: new Date(now - ageMs) });
const view = (rows: DirectorHaRow[], haEnabled = true, behind = new Map<string, boolean>()) => directorsView({ haEnabled, advertInt: 1, directors: ds, rows, behind, pollMs: POLL, now });

describe("the directors' view", () => {
  it("shows each state, the best backup and when it would take over", () => {
    const v = view([row("a", "director1", r("MASTER", ["10.0.0.100"])), row("b", "director2", r("BACKUP", []))]);
    expect(v.directors.map((d) => [d.name, d.state, d.stale])).toEqual([["director1", "MASTER", false], ["director2", "BACKUP", false]]);
    expect(v.failover).toEqual({ backup: "director2", priority: 100, expectedMs: expectedFailoverMs(1, 100) });
    expect(v.splitBrain).toBeNull();
  });

  it("a stale MASTER is unknown; the backup is then the other one of the highest priority", () => {
    const v = view([row("a", "director1", r("MASTER", ["10.0.0.100"]), 2 * POLL + 1), row("b", "director2", r("BACKUP", []))]);
    expect(v.directors[0]!.state).toBe("unknown");
    expect(v.directors[0]!.stale).toBe(true);
    expect(v.failover?.backup).toBe("director2");
  });

  it("the MASTER being the lower priority one: the backup is the higher", () => {
    const v = view([row("a", "director1", r("BACKUP", [])), row("b", "director2", r("MASTER", ["10.0.0.100"]))]);
    expect(v.failover).toEqual({ backup: "director1", priority: 150, expectedMs: expectedFailoverMs(1, 150) });
  });

  it("behind: kept from the stored flag when the reading failed; no backup can take over", () => {
    const v = view([row("a", "director1", r("MASTER", ["10.0.0.100"])), row("b", "director2", null, 500, "timeout: no answer")], true, new Map([["b", true]]));
    expect([v.directors[1]!.behind, v.directors[1]!.error, v.directors[1]!.state]).toEqual([true, "timeout: no answer", "unknown"]);
    expect(v.failover).toBeNull();
  });

  it("split brain among fresh readings, in words", () => {
    const v = view([row("a", "director1", r("MASTER", ["10.0.0.100"])), row("b", "director2", r("MASTER", ["10.0.0.100"]))]);
    expect(splitBrainText(v.splitBrain!)).toBe("10.0.0.100 held by director1 and director2; MASTER on director1 and director2");
    expect(renderDirectors(v)).toContain("SPLIT BRAIN: 10.0.0.100 held by director1 and director2");
  });

  it("without HA: no split brain, no failover; a director never read has no time", () => {
    const v = view([], false);
    expect([v.splitBrain, v.failover, v.directors[0]!.readAt, v.directors[0]!.state]).toEqual([null, null, null, "unknown"]);
    expect(renderDirectors(v)).toMatch(/^Directors \(HA off: the panel uses director1 only\)/);
  });

  it("seconds", () => {
    expect([secondsText(3609), secondsText(12_000)]).toEqual(["3.6 s", "12 s"]);
  });
});
