// The cluster document → keepalived.conf. What keepalived cannot express is listed (path + message),
// never dropped silently; `refused` ones make the export fail, `noted` ones are carried approximately.
import type { ClusterDocument, DocumentService } from "@/lib/declarative";
import { literalRegex } from "./import-check";
import { METHOD_OF } from "./import";
import { renderHa } from "./render-vrrp";

export interface ExportNote { kind: "noted" | "refused"; path: string; message: string }
export interface ExportResult { ok: boolean; text: string; notes: ExportNote[] }

const seconds = (ms: number) => String(ms / 1000);
/** A word keepalived reads back as it is: quoted when it holds a space, a quote or a comment sign. */
export function word(s: string): string {
  return /^[^\s"'#!{}\\]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, "\\$1")}"`;
}

export function renderKeepalived(doc: ClusterDocument): ExportResult {
  const notes: ExportNote[] = [];
  const out: string[] = [`# keepalived.conf exported by LVS Panel${doc.cluster?.name ? ` from cluster ${doc.cluster.name}` : ""}`, ""];
  const ha = renderHa(doc, (kind, path, message) => notes.push({ kind, path, message }));
  out.push(...ha.head);
  doc.services.forEach((s, i) => {
    const note = (kind: ExportNote["kind"], p: string, message: string) => notes.push({ kind, path: `services[${i}]${p}`, message });
    out.push(...service(s, note), "");
  });
  out.push(...ha.tail);
  return { ok: !notes.some((n) => n.kind === "refused"), text: `${out.join("\n").trimEnd()}\n`, notes };
}

type Note = (kind: ExportNote["kind"], path: string, message: string) => void;

function service(s: DocumentService, note: Note): string[] {
  const head = s.protocol === "fwmark" ? `virtual_server fwmark ${s.fwmark}` : `virtual_server ${s.address} ${s.port}`;
  const L: string[] = [`${head} {`];
  const add = (line: string, depth = 1) => L.push(`${"    ".repeat(depth)}${line}`);
  if (s.description) note("noted", ".description", "not carried: keepalived.conf has no description (kept as a comment)"), L.splice(0, 0, `# ${s.description.replace(/\n/g, " ")}`);
  const hc = s.healthCheck && s.healthCheck.enabled ? s.healthCheck : null;
  if (s.healthCheck && !s.healthCheck.enabled) note("noted", ".healthCheck.enabled", "a disabled check is left out (keepalived has no disabled checker)");
  if (hc) add(`delay_loop ${seconds(hc.intervalMs)}`);
  add(`lb_algo ${s.scheduler}`);
  add(`lb_kind ${METHOD_OF[s.forward]}`);
  if (s.protocol === "fwmark") { if (s.family === "inet6") add("ip_family inet6"); }
  else add(`protocol ${s.protocol.toUpperCase()}`);
  if (s.persistence) {
    add(`persistence_timeout ${s.persistence.timeout}`);
    if (s.persistence.netmask !== undefined) add(`persistence_granularity ${s.persistence.netmask}`);
    if (s.persistence.engine) add(`persistence_engine ${s.persistence.engine}`);
  }
  if (s.ops) add("ops");
  for (const f of s.flags) add(f);
  if (s.sorryServer) {
    add(`sorry_server ${s.sorryServer.address} ${s.sorryServer.port}`);
    const panel = s.protocol !== "fwmark" && s.sorryServer.port === s.port ? "route" : "masq";
    if (panel !== s.forward) add(`sorry_server_lvs_method ${METHOD_OF[panel]}`);
  }
  const exported = s.realServers.filter((r) => r.state !== "disabled");
  const total = exported.reduce((n, r) => n + (r.state === "draining" ? 0 : r.weight), 0);
  if (exported.length === 0) note("noted", ".realServers", "keepalived ignores a virtual_server without real servers (and warns)");
  else if (total === 0) note("noted", ".realServers", "every real server has weight 0: keepalived warns and runs the service with quorum 0");
  if (hc) {
    const quorum = total > 0 && hc.quorum > total ? total : hc.quorum;
    if (quorum !== hc.quorum) note("noted", ".healthCheck.quorum", `quorum ${hc.quorum} exceeds the real servers' total weight ${total}: written as ${total} (keepalived's quorum is a total weight)`);
    add(`quorum ${quorum}`);
    if (hc.quorum !== 1 && s.realServers.some((r) => r.weight !== 1)) note("noted", ".healthCheck.quorum", "keepalived's quorum is a total weight of live servers, the panel's a count");
    if (hc.rise !== 1) note("noted", ".healthCheck.rise", `rise ${hc.rise}: keepalived puts a server back after one good check`);
    if (hc.runFrom !== "director") note("noted", ".healthCheck.runFrom", "keepalived checks from the director");
    if (hc.kind === "tcp" && (hc.path !== "/" || hc.expectStatus !== "200-399" || hc.bodyContains || hc.hostHeader)) note("noted", ".healthCheck", "a tcp check ignores path, expectStatus, bodyContains and hostHeader");
  }
  s.realServers.forEach((r, j) => {
    if (r.state === "disabled") { note("noted", `.realServers[${j}].state`, `real server ${r.address} is disabled: left out`); return; }
    const weight = r.state === "draining" ? 0 : r.weight;
    if (r.state === "draining") note("noted", `.realServers[${j}].state`, `real server ${r.address} is draining: weight 0`);
    add(`real_server ${r.address} ${r.port} {`);
    add(`weight ${weight}`, 2);
    if (r.forward && r.forward !== s.forward) add(`lvs_method ${METHOD_OF[r.forward]}`, 2);
    if (r.upperThreshold) add(`uthreshold ${r.upperThreshold}`, 2);
    if (r.lowerThreshold) add(`lthreshold ${r.lowerThreshold}`, 2);
    if (hc) {
      if (hc.onFail === "quiesce") add("inhibit_on_failure", 2);
      const kind = hc.kind === "tcp" ? "TCP_CHECK" : hc.kind === "http" ? "HTTP_GET" : "SSL_GET";
      add(`${kind} {`, 2);
      if (hc.kind !== "tcp") {
        add("url {", 3);
        add(`path ${word(hc.path)}`, 4);
        add(`status_code ${hc.expectStatus.split(",").join(" ")}`, 4);
        if (hc.bodyContains) add(`regex ${word(literalRegex(hc.bodyContains))}`, 4);
        add("}", 3);
        if (hc.hostHeader) add(`virtualhost ${word(hc.hostHeader)}`, 3);
      }
      if (hc.port !== null) add(`connect_port ${hc.port}`, 3);
      add(`connect_timeout ${seconds(hc.timeoutMs)}`, 3);
      add(`retry ${hc.fall - 1}`, 3);
      add(`delay_before_retry ${seconds(hc.intervalMs)}`, 3);
      add("}", 2);
    }
    add("}");
  });
  L.push("}");
  return L;
}
