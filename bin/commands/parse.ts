// `lvs parse KIND`: ipvsadm output on stdin → JSON on stdout.
import { parseConns } from "../../lib/ipvs/parse-conns";
import { parseList, type ListFormat, type ListedDestination, type ListedService } from "../../lib/ipvs/parse-list";
import { parseSave } from "../../lib/ipvs/parse-save";
import type { Destination, Service } from "../../lib/ipvs/model";
import { UsageError, parseArgs, type Command } from "./io";
import { EXIT } from "./exit";

const LIST_KINDS: Record<string, readonly ListFormat[]> = {
  list: ["list", "tun-info"],
  stats: ["stats"],
  rate: ["rate"],
  thresholds: ["thresholds"],
  "persistent-conn": ["persistent-conn"],
  "tun-info": ["tun-info"],
};
export const PARSE_KINDS = ["save", ...Object.keys(LIST_KINDS), "conns"];

const COUNTERS = [
  "activeConns", "inactConns", "persistConns", "conns", "inPkts", "outPkts", "inBytes", "outBytes", "cps", "inPps", "outPps", "inBps", "outBps",
] as const;

type AnyDest = Destination | ListedDestination;
type AnyService = Service | ListedService;

/** The JSON of a real server: the key order, tunnel fields, then the counters the format has. */
export function destinationJson(d: AnyDest): Record<string, unknown> {
  const o: Record<string, unknown> = {
    address: d.address, port: d.port, forward: d.forward, weight: d.weight,
    upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
    tunnelType: d.tunnelType, tunnelPort: d.tunnelPort, tunnelCsum: d.tunnelCsum,
  };
  for (const k of COUNTERS) if (k in d && (d as ListedDestination)[k] !== undefined) o[k] = (d as ListedDestination)[k];
  return o;
}

export function serviceJson(s: AnyService): Record<string, unknown> {
  const o: Record<string, unknown> = {
    protocol: s.protocol, family: s.family, address: s.address, port: s.port, fwmark: s.fwmark,
    scheduler: s.scheduler, persistent: s.persistent, netmask: s.netmask, ops: s.ops, pe: s.pe, flags: s.flags,
  };
  for (const k of COUNTERS) if (k in s && (s as ListedService)[k] !== undefined) o[k] = (s as ListedService)[k];
  o.destinations = s.destinations.map(destinationJson);
  return o;
}

export const parseCommand: Command = {
  summary: `reads ipvsadm output on stdin (save: -S -n, list: -Ln [--tun-info], stats/rate: -Ln --stats/--rate [--exact], thresholds, persistent-conn, tun-info, conns: -Lnc) and prints JSON`,
  usage: `parse ${PARSE_KINDS.join("|")} < OUTPUT`,
  async run(args, io) {
    const { positionals } = parseArgs(args, {});
    const [kind, ...extra] = positionals;
    if (kind === undefined) throw new UsageError("which output? " + PARSE_KINDS.join(", "));
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!PARSE_KINDS.includes(kind)) throw new UsageError(`unknown kind "${kind}" (one of ${PARSE_KINDS.join(", ")})`);
    const text = await io.readStdin();
    let json: unknown;
    if (kind === "conns") json = parseConns(text);
    else if (kind === "save") json = { services: parseSave(text).services.map(serviceJson) };
    else json = { services: parseList(text, LIST_KINDS[kind]).services.map(serviceJson) };
    io.out(JSON.stringify(json) + "\n");
    return EXIT.ok;
  },
};
