// Director HA verbs of `lvs` (clients of /api/v1):
//   lvs failover CLUSTER [--to DIRECTOR]   planned switchover: the MASTER gives up the VIPs to the backup
//   lvs ha CLUSTER [--enable|--disable] [--interface IF] [--router-id N] [--advert-int S]
//                                          shows (or changes) the cluster's director-HA settings
import { EXIT } from "./exit";
import { renderDirectors, type DirectorsJson } from "./ha-render";
import { UsageError, parseArgs, type Command } from "./io";
import { client, defaultDeps, guarded, needConfig, type RemoteDeps } from "./remote";

const enc = encodeURIComponent;

type Failover = { from: string; to: string; ms: number; steps: string[] };
export function failoverCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "planned switchover of CLUSTER's directors: the MASTER gives up the VIPs, the backup (--to, or the best ready one) takes them, priorities are swapped (exit 7 if refused)",
    usage: "failover CLUSTER [--to DIRECTOR] [--json]",
    async run(args, io) {
      const { flags, options, positionals } = parseArgs(args, { flags: ["json"], options: ["to"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const to = options.get("to");
        const { body } = await client(needConfig(deps), deps.fetch).call("POST", `/clusters/${enc(positionals[0]!)}/failover`, to ? { to } : {});
        const f = body as Failover;
        if (json) io.out(JSON.stringify(f, null, 2) + "\n");
        else io.out(`${f.steps.map((s) => `  ${s}\n`).join("")}switched over: ${f.to} is MASTER (took the VIPs from ${f.from} in ${f.ms} ms)\n`);
        return EXIT.ok;
      });
    },
  };
}

type Ha = { cluster: string; haEnabled: boolean; vrrpRouterId: number; vrrpInterface: string; vrrpAdvertInt: number; vrrpPreempt: boolean; vrrpPreemptDelay: number;
  vrrpUnicast: boolean; vrrpAuthPassSet: boolean; syncDaemon: boolean };

function settingsText(h: Ha): string {
  return `director HA ${h.haEnabled ? "on" : "off"} for ${h.cluster}: interface ${h.vrrpInterface}, virtual_router_id ${h.vrrpRouterId}, advert_int ${h.vrrpAdvertInt} s, `
    + `${h.vrrpPreempt ? `preempt (delay ${h.vrrpPreemptDelay} s)` : "nopreempt"}, ${h.vrrpUnicast ? "unicast" : "multicast"}, auth password ${h.vrrpAuthPassSet ? "set" : "not set"}, `
    + `sync daemon ${h.syncDaemon ? "on" : "off"}\n`;
}

const NUM = /^\d+(\.\d+)?$/;
export function haCommand(deps: RemoteDeps = defaultDeps()): Command {
  return {
    summary: "shows CLUSTER's director-HA settings and each director's state; --enable/--disable and the options change them (the next apply writes keepalived)",
    usage: "ha CLUSTER [--enable|--disable] [--interface IF] [--router-id N] [--advert-int SECONDS] [--json]",
    async run(args, io) {
      const { flags, options, positionals } = parseArgs(args, { flags: ["json", "enable", "disable"], options: ["interface", "router-id", "advert-int"] });
      if (positionals.length !== 1) throw new UsageError("give the cluster");
      if (flags.has("enable") && flags.has("disable")) throw new UsageError("--enable or --disable, not both");
      const patch: Record<string, unknown> = {};
      if (flags.has("enable")) patch.haEnabled = true;
      if (flags.has("disable")) patch.haEnabled = false;
      if (options.has("interface")) patch.vrrpInterface = options.get("interface");
      for (const [opt, key] of [["router-id", "vrrpRouterId"], ["advert-int", "vrrpAdvertInt"]] as const) {
        const v = options.get(opt);
        if (v === undefined) continue;
        if (!NUM.test(v)) throw new UsageError(`--${opt} must be a number, not "${v}"`);
        patch[key] = Number(v);
      }
      const json = flags.has("json");
      return guarded(io, json, async () => {
        const c = client(needConfig(deps), deps.fetch);
        const path = `/clusters/${enc(positionals[0]!)}`;
        let ha = await c.call("GET", `${path}/ha`);
        // If-Match: the version just read, so a change someone made in between is refused (412, exit 7)
        if (Object.keys(patch).length) ha = await c.call("PATCH", `${path}/ha`, patch, { "if-match": ha.headers.get("etag") ?? "" });
        const directors = (await c.call("GET", `${path}/directors`)).body as DirectorsJson;
        if (json) io.out(JSON.stringify({ settings: ha.body, directors }, null, 2) + "\n");
        else {
          io.out(settingsText(ha.body as Ha));
          if (directors.directors.length) io.out(renderDirectors(directors));
          if (Object.keys(patch).length) io.out(`apply to write it to the directors: lvs apply ${positionals[0]}\n`);
        }
        return EXIT.ok;
      });
    },
  };
}
