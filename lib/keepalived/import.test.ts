import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatItem, importKeepalived, memoryReader, parseConfig, parseText, previewKeepalived, type ImportResult, type Statement } from ".";
import { fsReader } from "@/bin/commands/fs-reader";

const DIR = path.resolve(import.meta.dirname, "../../test/fixtures/keepalived");
const fixture = (name: string) => previewKeepalived(path.join(DIR, name), fsReader);
const text = (conf: string) => importKeepalived(parseText(conf, "/k.conf", memoryReader({})));
const of = (r: ImportResult, kind: string) => r.items.filter((i) => i.kind === kind).map((i) => `${path.basename(i.file)}:${i.line} ${i.keyword}: ${i.message}`);

describe("the corpus", () => {
  it("the seed's DR case maps to the document the panel holds", () => {
    const r = fixture("dr-seed.conf");
    expect(r.ok).toBe(true);
    expect(r.document).toEqual({ version: 1, services: [{
      protocol: "tcp", address: "10.78.0.100", port: 80, scheduler: "rr", flags: [], persistence: null, ops: false, forward: "route", sorryServer: null, description: "",
      healthCheck: { enabled: true, kind: "tcp", port: null, path: "/", hostHeader: null, expectStatus: "200-399", bodyContains: null, intervalMs: 5000, timeoutMs: 2000, rise: 1, fall: 2, runFrom: "director", onFail: "remove", quorum: 1 },
      realServers: ["10.78.0.11", "10.78.0.12"].map((address) => ({ address, port: 80, weight: 1, upperThreshold: 0, lowerThreshold: 0, state: "active" })),
    }] });
    expect(of(r, "mapped")).toContain("dr-seed.conf:8 lb_algo: scheduler rr");
    expect(of(r, "noted")).toEqual(expect.arrayContaining([
      "dr-seed.conf:2 global_defs: not imported: keepalived's daemon settings (router_id, notification e-mail…) are not part of a cluster",
      "dr-seed.conf:14 TCP_CHECK: no retry: keepalived's default 1 → fall 2",
      "dr-seed.conf:14 TCP_CHECK: rise 1: keepalived puts a server back after one good check",
    ]));
    expect(of(r, "refused")).toEqual([]);
    // the same note on every real server of a service is given once
    expect(of(r, "noted").filter((m) => m.includes("rise 1"))).toHaveLength(1);
    expect(formatItem(r.items.find((i) => i.message.startsWith("rise 1"))!)).toBe(`${DIR}/dr-seed.conf:14: note: TCP_CHECK: rise 1: keepalived puts a server back after one good check (also at line 20)`);
  });
  it("NAT + HTTP_GET (older keywords), a NAT sorry server, retry → fall", () => {
    const r = fixture("nat-http.conf");
    expect(r.ok).toBe(true);
    const s = r.document.services[0]!;
    expect(s).toMatchObject({ scheduler: "wlc", forward: "masq", sorryServer: { address: "10.0.0.99", port: 8080 } });
    expect(s.healthCheck).toMatchObject({ kind: "http", path: "/healthz", expectStatus: "200,204", intervalMs: 10_000, timeoutMs: 3000, fall: 3, onFail: "quiesce" });
    expect(s.realServers.map((x) => [x.port, x.weight])).toEqual([[8443, 3], [8443, 2]]);
    expect(of(r, "noted")).toContain("nat-http.conf:18 nb_get_retry: retry 2 → fall 3 (down after the first failure and 2 retries)");
    expect(of(r, "mapped")).toContain("nat-http.conf:19 delay_before_retry: the panel retries at the check interval");
  });
  it("TUN + SSL_GET: Host header from the virtual_server, a literal regex → bodyContains, connect_port, fractional timeout", () => {
    const r = fixture("tun-ssl.conf");
    expect(of(r, "refused")).toEqual([]);
    expect(r.document.services[0]).toMatchObject({ forward: "tunnel", scheduler: "wrr" });
    expect(r.document.services[0]!.healthCheck).toMatchObject({ kind: "https", hostHeader: "www.example.org", path: "/status", bodyContains: "ok.ready", port: 8443, timeoutMs: 1500, intervalMs: 3000, fall: 4, expectStatus: "200-299" });
    expect(r.document.services[0]!.realServers[0]).toMatchObject({ weight: 10, upperThreshold: 5000, lowerThreshold: 4000 });
  });
  it("virtual_server_group with a range expands to services; fwmark inet and inet6; sh flags; persistence", () => {
    const r = fixture("fwmark-groups.conf");
    expect(r.ok).toBe(true);
    const keys = r.document.services.map((s) => (s.protocol === "fwmark" ? `fwm ${s.fwmark} ${s.family}` : `${s.address}:${s.port}`));
    expect(keys).toEqual(["10.10.0.1:80", "10.10.0.2:80", "10.10.0.3:80", "10.10.0.9:8080", "fwm 7 inet", "fwm 8 inet6"]);
    expect(r.document.services[3]).toMatchObject({ scheduler: "sh", flags: ["sh-fallback", "sh-port"], realServers: [{ address: "10.10.1.11", port: 8080 }, { address: "10.10.1.12", port: 8080 }] });
    expect(r.document.services[4]).toMatchObject({ persistence: { timeout: 600, netmask: "255.255.255.0" }, realServers: [{ port: 0 }] });
    expect(of(r, "noted")).toContain("fwmark-groups.conf:7 virtual_server: group WEB → 4 virtual services (the document has no groups; exported as one virtual_server each)");
    expect(of(r, "noted")).toContain("fwmark-groups.conf:8 delay_loop: not carried: this service has no checks");
  });
  it("UDP ops, SIP persistence engine, persistence_timeout without a value (360 s)", () => {
    const r = fixture("persistence-udp.conf");
    expect(r.ok).toBe(true);
    expect(r.document.services.map((s) => [s.protocol, s.ops, s.persistence])).toEqual([
      ["udp", true, null], ["udp", false, { timeout: 120, netmask: "255.255.255.255", engine: "sip" }], ["tcp", false, { timeout: 360, netmask: "255.255.255.255" }],
    ]);
  });
  it("quorum, DR sorry server, inhibit and timing at the virtual_server level; default status codes 200-299", () => {
    const r = fixture("quorum-sorry.conf");
    expect(r.ok).toBe(true);
    expect(r.document.services[0]).toMatchObject({ sorryServer: { address: "10.78.0.9", port: 80 },
      healthCheck: { kind: "http", quorum: 2, onFail: "quiesce", timeoutMs: 1000, intervalMs: 2000, fall: 3, expectStatus: "200-299" } });
    expect(of(r, "mapped")).toEqual(expect.arrayContaining(["quorum-sorry.conf:7 quorum: quorum 2", "quorum-sorry.conf:8 hysteresis: hysteresis 0 (the panel has none)"]));
    expect(of(r, "noted")).toContain("quorum-sorry.conf:11 sorry_server_inhibit: the panel adds the sorry server when it is needed and removes it after (keepalived keeps it at weight 0)");
  });
  it("includes are followed relative to the file; the vrrp_instance becomes the ha section, with its own file and line", () => {
    const r = fixture("includes/keepalived.conf");
    expect(r.ok).toBe(true);
    expect(r.document.services.map((s) => `${s.protocol} ${s.address}:${s.port}`)).toEqual(["tcp 10.30.0.100:80", "udp 10.30.0.100:53"]);
    expect(r.document.ha).toEqual({ enabled: true, interface: "eth0", virtualRouterId: 51, advertInt: 1, preempt: true, preemptDelay: 0, unicast: false, syncDaemon: false, directors: [] });
    expect(of(r, "pending")).toEqual([]);
    expect(formatItem(r.items.find((i) => i.keyword === "vrrp_instance")!)).toBe(`${DIR}/includes/vrrp.inc:1: mapped: vrrp_instance: vrrp_instance VI_1 → ha (director HA on; the panel names its instance lvs_panel)`);
  });
  it("a DR pair's keepalived.conf: settings, sync daemon; priority, state and the password noted", () => {
    const r = fixture("dr-pair.conf");
    expect(r.ok).toBe(true);
    expect(r.document.ha).toEqual({ enabled: true, interface: "eth0", virtualRouterId: 51, advertInt: 1, preempt: true, preemptDelay: 60, unicast: false, syncDaemon: true, directors: [] });
    expect(of(r, "noted")).toEqual(expect.arrayContaining([
      "dr-pair.conf:11 state: state BACKUP: a keepalived.conf is one director's: set each director's priority on the Hosts page (the panel starts every director as BACKUP)",
      "dr-pair.conf:14 priority: priority 150: a keepalived.conf is one director's: set each director's priority on the Hosts page (the panel starts every director as BACKUP)",
      "dr-pair.conf:17 authentication: not imported: a secret; set it in the HA settings",
    ]));
    expect(of(r, "mapped")).toEqual(expect.arrayContaining(["dr-pair.conf:7 lvs_sync_daemon: ha.syncDaemon true", "dr-pair.conf:22 10.78.0.100/24: VIP 10.78.0.100 (a virtual service's address)"]));
    expect(JSON.stringify(r.document)).not.toContain("s3cret");
  });
  it("refusals name their line and nothing is silently dropped", () => {
    const r = fixture("refused.conf");
    expect(r.ok).toBe(false);
    expect(of(r, "refused")).toEqual([
      "refused.conf:7 hysteresis: hysteresis 1: the panel's quorum has no hysteresis",
      "refused.conf:8 quorum_up: quorum_up: the panel runs no scripts (its webhooks report health transitions)",
      "refused.conf:11 notify_down: notify_down: the panel runs no scripts (its webhooks report health transitions)",
      "refused.conf:15 digest: digest (an MD5 of the body): the panel checks status codes and a body substring",
      "refused.conf:21 MISC_CHECK: MISC_CHECK: the panel checks tcp, http and https only",
      "refused.conf:26 static_routes: static_routes: no equivalent in the panel",
    ]);
  });
});

describe("refusals and notes", () => {
  const vs = (body: string, rs = "real_server 10.0.0.2 80 {\n weight 1\n}\n") => `virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n${body}${rs}}\n`;
  it("a bad value names the line and the document path", () => {
    const r = text(vs("", "real_server 10.0.0.2 80 {\n weight 99999999999\n}\n"));
    expect(of(r, "refused")).toEqual(["k.conf:6 weight: services[0].realServers[0].weight: Too big: expected number to be <=2147483647"]);
    expect(of(text(vs(" lb_algo bogus\n")), "refused")).toEqual(["k.conf:5 lb_algo: scheduler bogus: not one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos"]);
    expect(of(text(vs(" persistence_timeout 99999999\n")), "refused")[0]).toMatch(/^k\.conf:5 persistence_timeout: services\[0\]\.persistence\.timeout: /);
  });
  it("checks that differ between real servers, a missing checker, mixed inhibit_on_failure: refused at their lines", () => {
    const chk = (t: number, extra = "") => `real_server 10.0.0.${t} 80 {\n${extra} TCP_CHECK {\n connect_timeout ${t}\n }\n}\n`;
    expect(of(text(vs("", chk(2) + chk(3))), "refused")).toEqual(["k.conf:11 TCP_CHECK: differs from the check at line 6: the document holds one check per service"]);
    expect(of(text(vs("", chk(2) + "real_server 10.0.0.3 80 {\n}\n")), "refused")).toEqual(["k.conf:10 real_server: no checker, while real server at line 5 has one: the document holds one check per service"]);
    expect(of(text(vs("", chk(2, " inhibit_on_failure\n") + chk(2).replace("10.0.0.2", "10.0.0.3"))), "refused")).toEqual(["k.conf:11 real_server: inhibit_on_failure differs from the real server at line 5: the panel quiesces or removes for the whole service"]);
  });
  it("a path the panel's checks refuse points at the checker", () => {
    const r = text(vs("", 'real_server 10.0.0.2 80 {\n HTTP_GET {\n url {\n path "/a b"\n }\n }\n}\n'));
    expect(of(r, "refused")).toEqual(["k.conf:6 HTTP_GET: services[0].healthCheck.path: a path starting with / (no spaces)"]);
  });
  it("a sorry server whose forwarding method the panel would change is refused", () => {
    expect(of(text(vs(" sorry_server 10.0.0.9 8080\n")), "refused")).toEqual(["k.conf:5 sorry_server: the sorry server is DR here; the panel uses NAT for it (NAT on another port or under fwmark)"]);
    expect(of(text(vs(" sorry_server 10.0.0.9 8080\n sorry_server_lvs_method NAT\n")), "refused")).toEqual([]);
  });
  it("missing protocol, lb_kind, lb_algo: keepalived's defaults, with a note", () => {
    const r = text("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n");
    expect(r.document.services[0]).toMatchObject({ protocol: "udp", forward: "masq", scheduler: "wlc" });
    expect(of(r, "noted")).toEqual(["k.conf:1 virtual_server: no protocol: keepalived defaults to UDP → protocol udp", "k.conf:1 virtual_server: no lb_algo: scheduler wlc", "k.conf:1 virtual_server: no lb_kind: keepalived's default NAT → forward masq"]);
  });
  it("non-ipip tunnels, a regular expression, a second url or checker, unknown keywords are refused", () => {
    expect(of(text(vs(" lvs_method TUN type gue port 6080\n")), "refused")).toEqual(["k.conf:5 lvs_method: lvs_method TUN type gue port 6080: the panel's tunnels are ipip"]);
    const http = (url: string) => vs("", `real_server 10.0.0.2 80 {\n HTTP_GET {\n${url} }\n TCP_CHECK {\n }\n}\n`);
    expect(of(text(http(" url {\n path /\n regex ^ok$\n }\n url {\n path /b\n }\n")), "refused")).toEqual([
      "k.conf:9 regex: a regular expression: the panel checks the body for a plain substring (bodyContains)",
      "k.conf:11 url: a second url: the panel checks one path per service",
      "k.conf:15 TCP_CHECK: a second checker on this real server: the panel runs one check per real server",
    ]);
    expect(of(text(vs(" frobnicate 1\n")), "refused")).toEqual(["k.conf:5 frobnicate: virtual_server frobnicate: no equivalent in the panel"]);
  });
  it("a check under fwmark without connect_port is refused at the checker (the real server's port is 0)", () => {
    const r = text("virtual_server fwmark 3 {\n lb_kind DR\n lb_algo rr\n real_server 10.0.0.2 {\n  TCP_CHECK {\n  }\n }\n}\n");
    expect(of(r, "refused")).toEqual(["k.conf:5 TCP_CHECK: services[0].healthCheck.port: a check needs a port when a real server's port is 0 (fwmark or all-ports services)"]);
  });
  it("group ranges: IPv4 last octet, IPv4 to IPv4, CIDR, IPv6 last group", () => {
    const r = text("virtual_server_group G {\n 10.0.0.1-2 80\n 10.0.1.254-10.0.2.1 80\n 10.0.3.0/31 80\n fd00::a-b 80\n}\nvirtual_server group G {\n protocol TCP\n lb_kind TUN\n lb_algo rr\n}\n");
    expect(r.ok).toBe(true);
    expect(r.document.services.map((s) => s.address)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.1.254", "10.0.1.255", "10.0.2.0", "10.0.2.1", "10.0.3.0", "10.0.3.1", "fd00::a", "fd00::b"]);
    expect(of(text("virtual_server_group G {\n 10.0.0.0/8 80\n}\n"), "refused")).toEqual(["k.conf:2 10.0.0.0/8: 10.0.0.0/8: more than 4096 addresses"]);
  });
  it("duplicate services are refused at the second", () => {
    const one = "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind DR\n lb_algo rr\n}\n";
    expect(of(text(one + one), "refused")).toEqual(["k.conf:6 virtual_server: services[1]: service TCP 10.0.0.1:80 is listed twice (also at services[0])"]);
  });
});

describe("vrrp_instance", () => {
  const vs = "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind DR\n lb_algo rr\n}\n";
  const vi = (body: string, name = "VI_1") => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id 7\n${body}}\n`;
  it("nopreempt, unicast peers, whole-second advert_int; a VIP without a virtual service is noted", () => {
    const r = text(vs + vi(" advert_int 2\n nopreempt\n unicast_src_ip 10.0.0.5\n unicast_peer {\n  10.0.0.6\n }\n virtual_ipaddress {\n  10.0.0.1\n  10.0.0.9/24 dev eth0\n }\n"));
    expect(r.ok).toBe(true);
    expect(r.document.ha).toMatchObject({ enabled: true, virtualRouterId: 7, advertInt: 2, preempt: false, unicast: true, syncDaemon: false });
    expect(of(r, "noted")).toContain("k.conf:17 10.0.0.9/24: VIP 10.0.0.9 has no virtual service here: not moved (the panel moves the services' VIPs)");
  });
  it("a fractional advert_int, a second instance, a sync group, notify scripts, unknown keywords: refused at their lines", () => {
    const r = text(vs + vi(" advert_int 0.5\n notify_master /bin/true\n notify /bin/x\n mcast_src_ip 10.0.0.5\n") + vi("", "VI_2") + "vrrp_sync_group G {\n group {\n VI_1\n }\n}\n");
    expect(r.ok).toBe(false);
    expect(of(r, "refused")).toEqual([
      "k.conf:9 advert_int: advert_int 0.5: the panel's keepalived uses whole seconds (a fractional one needs VRRPv3, which has no authentication)",
      "k.conf:10 notify_master: notify_master: the panel runs no scripts (its webhooks report health and failover events)",
      "k.conf:11 notify: notify: the panel runs no scripts (its webhooks report health and failover events)",
      "k.conf:12 mcast_src_ip: vrrp_instance mcast_src_ip: no equivalent in the panel",
      "k.conf:14 vrrp_instance: a second vrrp_instance (the first at line 6): the panel runs one per cluster",
      "k.conf:18 vrrp_sync_group: vrrp_sync_group: the panel runs one VRRP instance per cluster (no sync groups)",
    ]);
  });
  it("no interface or virtual_router_id: refused; track scripts and vrrp_script: noted; lvs_sync_daemon on another interface: noted", () => {
    expect(of(text(vs + "vrrp_instance V {\n priority 100\n}\n"), "refused")).toEqual([
      "k.conf:6 vrrp_instance: vrrp_instance V has no interface: the panel needs the one VRRP speaks on", "k.conf:6 vrrp_instance: vrrp_instance V has no virtual_router_id"]);
    const r = text("global_defs {\n lvs_sync_daemon eth1 VI_1\n}\nvrrp_script chk {\n script /bin/true\n}\n" + vs + vi(" track_script {\n  chk\n }\n"));
    expect(r.ok).toBe(true);
    expect(r.document.ha?.syncDaemon).toBe(true);
    expect(of(r, "noted").filter((m) => /lvs_sync_daemon|vrrp_script|track_script/.test(m))).toEqual([
      "k.conf:2 lvs_sync_daemon: ha.syncDaemon true; interface eth1 (the panel syncs on the VRRP interface eth0)",
      "k.conf:4 vrrp_script: vrrp_script chk: not imported: the panel keeps a director out of MASTER with its own track files (a director behind the desired state); this is not watched",
      "k.conf:15 track_script: track_script: not imported: the panel keeps a director out of MASTER with its own track files (a director behind the desired state); this is not watched",
      "k.conf:16 chk: track_script chk: not watched",
    ]);
    expect(of(text("global_defs {\n lvs_sync_daemon eth0 VI_1\n}\n" + vs), "noted")).toContain(
      "k.conf:2 lvs_sync_daemon: not imported: lvs_sync_daemon without a vrrp_instance (the panel syncs connections with director HA only)");
  });
});

describe("nothing is silently dropped", () => {
  const extra = "virtual_server 10.0.0.1 80 {\n retry 3\n delay_before_retry 2\n connect_timeout 1\n inhibit_on_failure\n quorum 2\n virtualhost x\n warmup 1\n protocol TCP\n real_server 10.0.0.2 80 {\n inhibit_on_failure\n retry 2\n }\n}\n";
  for (const f of ["dr-seed.conf", "dr-pair.conf", "nat-http.conf", "tun-ssl.conf", "fwmark-groups.conf", "persistence-udp.conf", "quorum-sorry.conf", "refused.conf", "includes/keepalived.conf", "(options without checks)"])
    it(`every directive of a virtual_server in ${f} has a preview item`, () => {
      const parsed = f.startsWith("(") ? parseText(extra, "/k.conf", memoryReader({})) : parseConfig(path.join(DIR, f), fsReader);
      const r = importKeepalived(parsed);
      const seen = new Set(r.items.flatMap((i) => [`${i.file}:${i.line}:${i.keyword}`, ...(i.also ?? []).map((a) => `${a.file}:${a.line}:${i.keyword}`)]));
      const refused = new Set(r.items.filter((i) => i.kind === "refused").map((i) => `${i.file}:${i.line}:${i.keyword}`));
      // a refused directive covers its block
      const walkUnrefused = (sts: Statement[], out: Statement[] = []) => { for (const s of sts) { out.push(s); if (s.block && !refused.has(`${s.file}:${s.line}:${s.keyword}`)) walkUnrefused(s.block, out); } return out; };
      const vs = parsed.statements.filter((s) => s.keyword.startsWith("virtual_server") || s.keyword.startsWith("vrrp_"));
      expect(walkUnrefused(vs).filter((s) => !seen.has(`${s.file}:${s.line}:${s.keyword}`)).map((s) => `${path.basename(s.file)}:${s.line} ${s.keyword}`)).toEqual([]);
    });
});
