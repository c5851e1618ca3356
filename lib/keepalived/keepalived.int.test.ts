// Exported configs pass the REAL `keepalived --config-test` (Debian's keepalived 2.2), and so does the
// corpus; a missing binary fails these tests instead of skipping them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateDocument } from "@/lib/declarative";
import { configTest, keepalivedBinary } from "@/test/support/keepalived";
import { fsReader } from "@/bin/commands/fs-reader";
import { previewKeepalived, renderKeepalived } from ".";
import { SHAPES } from "./testing/shapes";
import { HA_SHAPES } from "./testing/ha-shapes";
import { randomDocument } from "./testing/random";

const DIR = path.resolve(import.meta.dirname, "../../test/fixtures/keepalived");
let bin: string;
beforeAll(() => { bin = keepalivedBinary(); });

describe("keepalived --config-test", () => {
  it("a missing keepalived binary is an error, not a skip", () => {
    expect(() => keepalivedBinary(["/nonexistent"])).toThrow(/^keepalived not found in \/nonexistent: install Debian's keepalived package/);
  });
  it("it really checks: a bad config fails", () => {
    const r = configTest({ "k.conf": "virtual_server 10.0.0.1 80 {\n lb_algo fastest\n protocol TCP\n real_server 10.0.0.2 80 {\n weight abc\n }\n}\n" }, bin);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("Invalid lvs_scheduler 'fastest'");
  });
  for (const [name, shape] of Object.entries({ ...SHAPES, ...HA_SHAPES }))
    it(`export of "${name}" passes`, () => {
      const v = validateDocument(shape);
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
      const e = renderKeepalived(v.document);
      expect(e.ok).toBe(true);
      expect(configTest({ "keepalived.conf": e.text }, bin)).toEqual({ code: 0, output: "" });
    });
  it("exports of 50 seeded random documents pass", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const v = validateDocument(randomDocument(seed));
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
      expect(configTest({ "keepalived.conf": renderKeepalived(v.document).text }, bin), `seed ${seed}`).toEqual({ code: 0, output: "" });
    }
  });
  const corpus = ["dr-seed.conf", "dr-pair.conf", "tun-ssl.conf", "fwmark-groups.conf", "persistence-udp.conf", "quorum-sorry.conf"];
  for (const f of corpus)
    it(`corpus ${f} and its export pass`, () => {
      expect(configTest({ [f]: readFileSync(path.join(DIR, f), "utf8") }, bin)).toEqual({ code: 0, output: "" });
      const r = previewKeepalived(path.join(DIR, f), fsReader);
      expect(configTest({ "keepalived.conf": renderKeepalived(r.document).text }, bin)).toEqual({ code: 0, output: "" });
    });
  it("corpus includes/ (globs, a vrrp_instance) passes, and so does the export", () => {
    const inc = path.join(DIR, "includes");
    const files = { "keepalived.conf": readFileSync(path.join(inc, "keepalived.conf"), "utf8").replace("conf.d/*.conf", "*-*.conf"),
      "10-web.conf": readFileSync(path.join(inc, "conf.d/10-web.conf"), "utf8"), "20-dns.conf": readFileSync(path.join(inc, "conf.d/20-dns.conf"), "utf8"),
      "vrrp.inc": readFileSync(path.join(inc, "vrrp.inc"), "utf8") };
    expect(configTest(files, bin)).toEqual({ code: 0, output: "" });
    expect(configTest({ "keepalived.conf": renderKeepalived(previewKeepalived(path.join(inc, "keepalived.conf"), fsReader).document).text }, bin)).toEqual({ code: 0, output: "" });
  });
  it("the older style (nb_get_retry) only draws keepalived's deprecation warnings; its export draws none", () => {
    const r = configTest({ "nat-http.conf": readFileSync(path.join(DIR, "nat-http.conf"), "utf8") }, bin);
    expect(r.output.split("\n")).toEqual(["(nat-http.conf: Line 18) nb_get_retry is deprecated - please use 'retry'", "(nat-http.conf: Line 31) nb_get_retry is deprecated - please use 'retry'"]);
    expect(configTest({ "keepalived.conf": renderKeepalived(previewKeepalived(path.join(DIR, "nat-http.conf"), fsReader).document).text }, bin)).toEqual({ code: 0, output: "" });
  });
});
