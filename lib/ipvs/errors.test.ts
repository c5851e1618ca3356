import { describe, expect, it } from "vitest";
import { IpvsParseError, TableMismatchError } from "./errors";
import { errorFixtures } from "./testing/fixtures";

describe("ipvsadm's failures (fixtures/errors.txt)", () => {
  it("ipvsadm -R exits 0 past kernel errors and stops at the first unparsable line", () => {
    const r = errorFixtures().filter((x) => x.command.includes("ipvsadm -R"));
    expect(r.map((x) => x.exit)).toEqual([0, 0]);
    expect(r[0]?.stdout).toBe("-A -t 10.77.0.121:80 -s rr\n-A -t 10.77.0.122:80 -s rr\n");
    expect(r[1]?.stdout).toBe("-A -t 10.77.0.123:80 -s rr\n");
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
