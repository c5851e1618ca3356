import { describe, expect, it } from "vitest";
import { parseRsParams } from "@/lib/realserver/model";
import { arpValueOk, effective, verdict, type RealServerFacts } from "@/lib/realserver/probe";
import { arpCells, judgeAllCell, judgeIfaceCell, type ArpConf } from "@/lib/live/arp-cells";

const byLabel = (conf: ArpConf, iface = "eth0") => Object.fromEntries(arpCells(conf, iface).map((c) => [c.label, c]));

describe("arpValueOk (the DR verdict's thresholds)", () => {
  it("arp_ignore 1 or 2, arp_announce 2", () => {
    expect([0, 1, 2, 3, 8].map((v) => arpValueOk("arp_ignore", v))).toEqual([false, true, true, false, false]);
    expect([0, 1, 2].map((v) => arpValueOk("arp_announce", v))).toEqual([false, false, true]);
  });
});

describe("effective (lib/realserver/probe, shared with the DR verdict)", () => {
  it("is max(all, iface), a value not read counting as 0", () => {
    expect(effective({ all: { arp_ignore: 1 }, eth0: { arp_ignore: 0 } }, "eth0", "arp_ignore").value).toBe(1);
    expect(effective({ all: { arp_ignore: 0 }, eth0: { arp_ignore: 2 } }, "eth0", "arp_ignore").value).toBe(2);
    expect(effective({ all: { arp_announce: 2 } }, "eth0", "arp_announce").value).toBe(2);
    expect(effective({}, "eth0", "arp_announce").value).toBe(0);
  });
});

describe("judgeIfaceCell", () => {
  it("an interface's own 0 with all carrying the value is not red: ok, via all, says so", () => {
    const conf = { all: { arp_ignore: 1, arp_announce: 2 }, eth0: { arp_ignore: 0, arp_announce: 0 } };
    const ig = judgeIfaceCell(conf, "eth0", "arp_ignore");
    expect(ig).toMatchObject({ label: "eth0.arp_ignore", text: "eth0.arp_ignore=0", tone: "ok", viaAll: true });
    expect(ig.title).toContain("effective 1 via all");
    const an = judgeIfaceCell(conf, "eth0", "arp_announce");
    expect(an).toMatchObject({ text: "eth0.arp_announce=0", tone: "ok", viaAll: true });
    expect(an.title).toContain("effective 2 via all");
  });

  it("the interface's own value meeting the requirement is ok, not via all", () => {
    const c = judgeIfaceCell({ all: { arp_ignore: 0 }, eth0: { arp_ignore: 1 } }, "eth0", "arp_ignore");
    expect(c).toMatchObject({ text: "eth0.arp_ignore=1", tone: "ok", viaAll: false });
    expect(c.title).toContain("effective 1");
  });

  it("red only when the effective value is too low, with the problem in words", () => {
    const ig = judgeIfaceCell({ all: { arp_ignore: 0 }, eth0: { arp_ignore: 0 } }, "eth0", "arp_ignore");
    expect(ig.tone).toBe("bad");
    expect(ig.title).toBe("arp_ignore on all is 0 and on eth0 is 0, effective 0: this host answers ARP for the VIP (needs 1)");
    const an = judgeIfaceCell({ all: { arp_announce: 1 }, eth0: { arp_announce: 0 } }, "eth0", "arp_announce");
    expect(an.tone).toBe("bad");
    expect(an.title).toBe("arp_announce on all is 1 and on eth0 is 0, effective 1: ARP requests may carry the VIP as source (needs 2)");
  });

  it("arp_ignore above 2 (3, 8) is not a DR setting, even when one side is 1", () => {
    const c = judgeIfaceCell({ all: { arp_ignore: 1 }, eth0: { arp_ignore: 8 } }, "eth0", "arp_ignore");
    expect(c.tone).toBe("bad");
    expect(c.title).toContain("effective 8 is not a DR setting (needs 1)");
  });

  it("a value not read shows ? and counts as 0 (as in the verdict)", () => {
    const via = judgeIfaceCell({ all: { arp_ignore: 1 } }, "eth0", "arp_ignore");
    expect(via).toMatchObject({ text: "eth0.arp_ignore=?", tone: "ok", viaAll: true });
    expect(via.title).toContain("effective 1 via all (eth0 not read");
    const bad = judgeIfaceCell({}, "eth0", "arp_announce");
    expect(bad).toMatchObject({ text: "eth0.arp_announce=?", tone: "bad" });
    expect(bad.title).toContain("was not read (counts as 0)");
  });
});

describe("judgeAllCell", () => {
  it("ok when all meets the requirement on its own", () => {
    expect(judgeAllCell({ all: { arp_ignore: 2 } }, "eth0", "arp_ignore")).toMatchObject({ text: "all.arp_ignore=2", tone: "ok" });
  });
  it("a note, not red, when the VIP-facing interface carries the value", () => {
    const c = judgeAllCell({ all: { arp_announce: 0 }, eth0: { arp_announce: 2 } }, "eth0", "arp_announce");
    expect(c).toMatchObject({ text: "all.arp_announce=0", tone: "note" });
    expect(c.title).toContain("eth0 carries effective 2");
  });
  it("red when neither carries it", () => {
    const c = judgeAllCell({ all: { arp_ignore: 0 }, eth0: { arp_ignore: 0 } }, "eth0", "arp_ignore");
    expect(c.tone).toBe("bad");
    expect(c.title).toBe("arp_ignore on all is 0, effective 0: this host answers ARP for the VIP (needs 1)");
    expect(judgeAllCell({ all: { arp_ignore: 0 } }, null, "arp_ignore").tone).toBe("bad");
  });
});

describe("arpCells", () => {
  it("the panel's order and texts (data-sysctl labels the e2e specs look for)", () => {
    const cells = arpCells({ all: { arp_ignore: 0, arp_announce: 0 }, eth0: { arp_ignore: 0, arp_announce: 0 }, lo: { arp_ignore: 0, arp_announce: 0 } }, "eth0");
    expect(cells.map((c) => c.label)).toEqual(["all.arp_ignore", "all.arp_announce", "eth0.arp_ignore", "eth0.arp_announce", "lo.arp_ignore", "lo.arp_announce"]);
    expect(cells.map((c) => c.text)).toEqual(["all.arp_ignore=0", "all.arp_announce=0", "eth0.arp_ignore=0", "eth0.arp_announce=0", "lo.arp_ignore=0", "lo.arp_announce=0"]);
  });

  it("a DR-ready host prepared on all has no red cell", () => {
    const cells = byLabel({ all: { arp_ignore: 1, arp_announce: 2 }, eth0: { arp_ignore: 0, arp_announce: 0 }, lo: { arp_ignore: 0, arp_announce: 0 } });
    expect(Object.values(cells).filter((c) => c.tone === "bad")).toEqual([]);
    expect(cells["eth0.arp_ignore"]!.viaAll).toBe(true);
    expect(cells["lo.arp_ignore"]!.tone).toBe("info");
  });

  it("a host undone to 0 everywhere is red on all and the interface, lo only informative", () => {
    const cells = byLabel({ all: { arp_ignore: 0, arp_announce: 0 }, eth0: { arp_ignore: 0, arp_announce: 0 }, lo: { arp_ignore: 0, arp_announce: 0 } });
    expect(Object.fromEntries(Object.entries(cells).map(([k, c]) => [k, c.tone]))).toEqual({
      "all.arp_ignore": "bad", "all.arp_announce": "bad", "eth0.arp_ignore": "bad", "eth0.arp_announce": "bad", "lo.arp_ignore": "info", "lo.arp_announce": "info",
    });
  });

  it("no duplicate cells when the interface is all or lo", () => {
    expect(arpCells({}, "all").map((c) => c.label)).toEqual(["all.arp_ignore", "all.arp_announce", "lo.arp_ignore", "lo.arp_announce"]);
    expect(arpCells({}, "lo").map((c) => c.label)).toEqual(["all.arp_ignore", "all.arp_announce", "lo.arp_ignore", "lo.arp_announce"]);
  });
});

describe("the cells and the DR verdict judge alike (one effective/arpValueOk)", () => {
  it("the eth0 cell is red exactly when the verdict names that sysctl as a problem", () => {
    const params = parseRsParams({ vips: ["10.0.0.100"], mode: "route", iface: "eth0" });
    const values = [undefined, 0, 1, 2, 3, 8];
    for (const key of ["arp_ignore", "arp_announce"] as const)
      for (const all of values) for (const dev of values) {
        const conf: ArpConf = { all: all === undefined ? {} : { [key]: all }, eth0: dev === undefined ? {} : { [key]: dev } };
        const facts: RealServerFacts = { conf: conf as RealServerFacts["conf"], interfaces: [], defaultGateway: null, defaultDev: "eth0", listening: [], files: { sysctl: false, unit: false, systemd: false } };
        const problem = verdict(facts, params)[0]!.problems.some((p) => p.includes(`${key} on all`));
        expect(judgeIfaceCell(conf, "eth0", key).tone === "bad", `${key} all=${all} eth0=${dev}`).toBe(problem);
      }
  });
});

describe("a host not in use (it serves no VIP)", () => {
  it("shows its values for reference and judges none of them: 0 is not red on a host without a VIP", () => {
    const conf: ArpConf = { all: { arp_ignore: 0, arp_announce: 0 }, eth0: { arp_ignore: 0, arp_announce: 0 }, lo: { arp_ignore: 0, arp_announce: 0 } };
    const judged = arpCells(conf, "eth0");
    expect(judged.filter((c) => c.tone === "bad").map((c) => c.label)).toEqual(["all.arp_ignore", "all.arp_announce", "eth0.arp_ignore", "eth0.arp_announce"]);
    const idle = arpCells(conf, "eth0", false);
    expect(idle.map((c) => c.label)).toEqual(judged.map((c) => c.label));
    expect(idle.map((c) => c.text)).toEqual(judged.map((c) => c.text));
    expect(new Set(idle.map((c) => c.tone))).toEqual(new Set(["info"]));
    expect(idle[0]!.title).toMatch(/^not in use/);
  });
});

