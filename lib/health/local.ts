// Checks run from the panel host (runFrom "panel"): node's own sockets, same judging as the director's.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { EgressDenied, resolveChecked } from "@/lib/egress";
import { judgeHttp, type CheckResult, type CheckSpec } from "./config";
import { ANSWER_BYTES } from "./script";

// errno codes that come from the panel host itself (no route, no local port or descriptor, policy):
// a checker fault when every check of the service has one (lib/health/fault.ts)
const LOCAL_CODES = new Set(["ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EMFILE", "ENFILE", "EACCES", "EPERM", "ENOBUFS", "ENOMEM", "EADDRINUSE"]);

function failed(spec: CheckSpec, e: NodeJS.ErrnoException): CheckResult {
  const code = e.code ?? e.message;
  if (LOCAL_CODES.has(code)) return { id: spec.id, ok: false, latencyMs: null, message: `the panel host cannot connect: ${code}`, local: `the panel host cannot connect: ${code}` };
  return { id: spec.id, ok: false, latencyMs: null, message: `connection failed: ${code}` };
}


/**
 * One check from the panel host. The real server's address goes through the egress policy first
 * (lib/egress): a denied one (loopback, link-local, the panel's own…) is not dialled and gives no
 * verdict (`refused`), so a check cannot probe the panel's own network and a denial never quiesces.
 */
export async function checkLocal(spec: CheckSpec): Promise<CheckResult> {
  try {
    const pinned = await resolveChecked(spec.address);
    return await dial({ ...spec, address: pinned.address });
  } catch (e) {
    const why = e instanceof EgressDenied ? e.message : `cannot resolve ${spec.address}`;
    return { id: spec.id, ok: false, latencyMs: null, message: `not checked: ${why}`, refused: true };
  }
}

function dial(spec: CheckSpec): Promise<CheckResult> {
  const t0 = performance.now();
  const done = (ok: boolean, message: string): CheckResult => ({ id: spec.id, ok, latencyMs: ok ? Math.round(performance.now() - t0) : null, message });
  if (spec.kind === "tcp") {
    return new Promise((resolve) => {
      const s = net.connect({ host: spec.address, port: spec.port });
      const timer = setTimeout(() => { s.destroy(); resolve(done(false, `timeout after ${spec.timeoutMs} ms`)); }, spec.timeoutMs);
      s.once("connect", () => { clearTimeout(timer); s.destroy(); resolve(done(true, "connected")); });
      s.once("error", (e) => { clearTimeout(timer); resolve(failed(spec, e)); });
    });
  }
  return new Promise((resolve) => {
    const mod = spec.kind === "https" ? https : http;
    let raw = "";
    let settled = false;
    const finish = (r: CheckResult) => { if (!settled) { settled = true; clearTimeout(timer); resolve(r); } };
    const req = mod.request({
      host: spec.address, port: spec.port, path: spec.path, method: "GET", agent: false,
      headers: { Host: spec.host, "User-Agent": "lvs-panel-health", Connection: "close" },
      ...(spec.kind === "https" ? { rejectUnauthorized: false, servername: /^[\d.:[\]]+$/.test(spec.host) ? undefined : spec.host.replace(/:\d+$/, "") } : {}),
    }, (res) => {
      raw = `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ""}\r\n\r\n`;
      res.setEncoding("latin1");
      res.on("data", (c: string) => {
        raw += c;
        if (raw.length >= ANSWER_BYTES) res.destroy();
      });
      const end = () => { const j = judgeHttp(spec, raw); finish(done(j.ok, j.message)); };
      res.on("end", end);
      res.on("close", end);
    });
    const timer = setTimeout(() => { req.destroy(); finish(done(false, `timeout after ${spec.timeoutMs} ms`)); }, spec.timeoutMs);
    req.on("error", (e) => finish(failed(spec, e)));
    req.end();
  });
}
