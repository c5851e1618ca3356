import { describe, expect, it } from "vitest";
import { classifyIpvsadmError, IpvsParseError, TableMismatchError } from "./errors";
import { errorFixtures } from "./testing/fixtures";

const EXPECTED: Record<string, string> = {
  "ipvsadm -A -t 10.77.0.100:80 -s rr": "service-exists",
  "ipvsadm -D -t 10.77.0.199:80": "no-such-service",
  "ipvsadm -E -t 10.77.0.199:80 -s rr": "no-such-service",
  "ipvsadm -Z -t 10.77.0.199:80": "no-such-service",
  "ipvsadm -a -t 10.77.0.199:80 -r 10.77.0.11:80 -g": "service-not-defined",
  "ipvsadm -d -t 10.77.0.199:80 -r 10.77.0.11:80": "service-not-defined",
  "ipvsadm -a -t 10.77.0.100:80 -r 10.77.0.11:80 -g": "destination-exists",
  "ipvsadm -d -t 10.77.0.100:80 -r 10.77.0.99:80": "no-such-destination",
  "ipvsadm -e -t 10.77.0.100:80 -r 10.77.0.99:80 -g": "no-such-destination",
  "ipvsadm -A -t 10.77.0.120:80 -s twos": "scheduler-not-found",
  "ipvsadm -A -t 10.77.0.120:80 -s nosuch": "scheduler-not-found",
  "ipvsadm -A -t 10.77.0.120:80 -s rr --pe nosuch": "scheduler-not-found",
  "ipvsadm -a -t 10.77.0.100:80 -r 10.77.0.13:80 -g -y 5": "out-of-range",
  "ipvsadm -a -t 10.77.0.100:80 -r 10.77.0.13:80 -g -x 5 -y 6": "out-of-range",
  "ipvsadm -a -u [::ffff:10.77.0.100]:53 -r [::ffff:10.77.0.11]:53 -m": "invalid-operation",
  "ipvsadm -L -n -t 10.77.0.199:80": "no-such-service",
  "ipvsadm -L -n -f 99": "no-such-service",
  "ipvsadm --bogus": "usage",
};

describe("classifyIpvsadmError on the real tool's failures (fixtures/errors.txt)", () => {
  const records = errorFixtures().filter((r) => r.exit !== 0);
  it("has the captured failures", () => expect(records.length).toBeGreaterThan(25));
  it.each(records.map((r) => [r.command, r] as const))("%s", (_c, r) => {
    const got = classifyIpvsadmError(r.exit, r.stderr);
    const want = EXPECTED[r.command] ?? (r.command.includes("no IPVS") ? "no-ipvs" : "usage");
    expect(got.code).toBe(want);
    expect(got.message).toBe(r.stderr.split("\n").find((l) => l.trim() && !l.startsWith("modprobe:"))?.trim());
  });
  it("the exit statuses are what IPVSADM.md says: 2 parse, 255 kernel, 1 list of a missing service", () => {
    for (const r of records) {
      const code = classifyIpvsadmError(r.exit, r.stderr).code;
      if (code === "usage" && r.command !== "ipvsadm --bogus") expect(r.exit).toBe(2);
      if (r.command.startsWith("ipvsadm -L")) expect(r.exit).toBe(r.command.includes("no IPVS") ? 2 : 1);
    }
  });
  it("ipvsadm -R exits 0 past kernel errors and stops at the first unparsable line", () => {
    const r = errorFixtures().filter((x) => x.command.includes("ipvsadm -R"));
    expect(r.map((x) => x.exit)).toEqual([0, 0]);
    expect(r[0]?.stdout).toBe("-A -t 10.77.0.121:80 -s rr\n-A -t 10.77.0.122:80 -s rr\n");
    expect(r[1]?.stdout).toBe("-A -t 10.77.0.123:80 -s rr\n");
  });
  it("unknown output", () => {
    expect(classifyIpvsadmError(3, "")).toEqual({ code: "unknown", message: "ipvsadm exited with status 3" });
  });
});

describe("error types", () => {
  it("IpvsParseError quotes the line", () => {
    const e = new IpvsParseError(7, "  -> x", "bad");
    expect(e.message).toBe('line 7: bad: "  -> x"');
    expect(e.name).toBe("IpvsParseError");
  });
  it("TableMismatchError lists the differences", () => {
    expect(new TableMismatchError(["a", "b"]).message).toBe("the two listings disagree: a; b");
  });
});
