import { describe, expect, it } from "vitest";
import { expectedFailoverMs, isStale, shownState, splitBrain, type DirectorHaReading, type DirectorHaRow } from "./model";

const reading = (over: Partial<DirectorHaReading> = {}): DirectorHaReading =>
  ({ keepalived: "running", vrrpState: "BACKUP", vipsHeld: [], syncDaemon: "backup", syncedConns: 0, behind: false, ...over });
const now = Date.parse("2026-12-04T02:00:00Z");
const row = (name: string, r: DirectorHaReading | null, ageMs = 0): DirectorHaRow =>
  ({ hostId: name, name, reading: r, error: r ? null : "unreachable", readAt: new Date(now - ageMs) });

describe("director HA judgements", () => {
  it("expected failover: 3 × advert_int + skew (keepalived.conf(5), RFC 3768)", () => {
    expect(expectedFailoverMs(1, 100)).toBe(3609);
    expect(expectedFailoverMs(1, 254)).toBe(3008);
    expect(expectedFailoverMs(0.5, 128)).toBe(1750);
  });

  it("a reading older than two polls is stale and shown as unknown, never as a stale MASTER", () => {
    expect(isStale(new Date(now - 4000), 2000, now)).toBe(false);
    expect(isStale(new Date(now - 4001), 2000, now)).toBe(true);
    expect(isStale(null, 2000, now)).toBe(true);
    expect(shownState(row("a", reading({ vrrpState: "MASTER" }), 5000), 2000, now)).toBe("unknown");
    expect(shownState(row("a", reading({ vrrpState: "MASTER" }), 1000), 2000, now)).toBe("MASTER");
    expect(shownState(row("a", null), 2000, now)).toBe("unknown");
  });

  it("split brain: two holders of one VIP, or two MASTERs; stale readings do not count", () => {
    const ok = [row("d1", reading({ vrrpState: "MASTER", vipsHeld: ["10.0.0.100"] })), row("d2", reading())];
    expect(splitBrain(ok, 2000, now)).toBeNull();
    const two = [row("d1", reading({ vrrpState: "MASTER", vipsHeld: ["10.0.0.100"] })), row("d2", reading({ vrrpState: "MASTER", vipsHeld: ["10.0.0.100"] }))];
    expect(splitBrain(two, 2000, now)).toEqual({ vips: [{ vip: "10.0.0.100", holders: ["d1", "d2"] }], masters: ["d1", "d2"] });
    const mastersOnly = [row("d1", reading({ vrrpState: "MASTER", vipsHeld: ["10.0.0.100"] })), row("d2", reading({ vrrpState: "MASTER" }))];
    expect(splitBrain(mastersOnly, 2000, now)).toEqual({ vips: [], masters: ["d1", "d2"] });
    const stale = [two[0]!, row("d2", reading({ vrrpState: "MASTER", vipsHeld: ["10.0.0.100"] }), 60_000)];
    expect(splitBrain(stale, 2000, now)).toBeNull();
  });
});
