// `ipvsadm -Lnc`: the connection table. Unsorted; persistence templates have source port 0 (state
// NONE). Expire is mm:ss, with minutes unbounded for long persistence timeouts.
import { canonicalAddress, splitHostPort } from "./address";
import { IpvsParseError } from "./errors";
import { tokens } from "./parse-save";

export interface Endpoint {
  address: string;
  port: number;
}

export interface Connection {
  /** lower case as listed: tcp, udp, sctp (others the kernel may print, e.g. ah / esp templates) */
  protocol: string;
  /** seconds until the entry expires */
  expire: number;
  /** as listed: ESTABLISHED, FIN_WAIT, SYN_RECV, TIME_WAIT, NONE (templates), UDP, ... */
  state: string;
  source: Endpoint;
  virtual: Endpoint;
  destination: Endpoint;
  /** persistence engine name and data (only with --persistent-conn), else null */
  pe: string | null;
  peData: string | null;
}

/** True for a persistence template (source port 0), which holds a client to a real server. */
export function isTemplate(c: Connection): boolean {
  return c.source.port === 0;
}

function endpoint(tok: string | undefined, what: string, fail: (r: string) => never): Endpoint {
  const hp = tok === undefined ? null : splitHostPort(tok);
  if (!hp) return fail(`${what} "${tok ?? ""}" is not ADDR:PORT or [ADDR6]:PORT`);
  const a = canonicalAddress(hp.address);
  if (!a) return fail(`${what} address "${hp.address}" is not a valid IPv4 or IPv6 address`);
  return { address: a.address, port: hp.port };
}

/** Parses -Lnc text. Throws IpvsParseError naming the line for anything it cannot read. */
export function parseConns(text: string): { connections: Connection[] } {
  const connections: Connection[] = [];
  const lines = text.split("\n");
  let header = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fail = (reason: string): never => { throw new IpvsParseError(i + 1, line, reason); };
    const tk = tokens(line);
    if (tk.length === 0) continue;
    if (header === 0) {
      if (line.trim() !== "IPVS connection entries") fail('expected "IPVS connection entries" (ipvsadm -Lnc)');
      header = 1;
      continue;
    }
    if (header === 1) {
      const h = tk.join(" ");
      if (h !== "pro expire state source virtual destination" && h !== "pro expire state source virtual destination pe name pe_data")
        fail("expected the -Lnc column header");
      header = 2;
      continue;
    }
    if (tk.length !== 6 && tk.length !== 7 && tk.length !== 8) fail(`expected 6 columns, got ${tk.length}`);
    const proto = tk[0] as string;
    if (!/^[A-Z][A-Z0-9]*$/.test(proto)) fail(`unknown protocol "${proto}"`);
    const m = /^(\d+):([0-5]\d)$/.exec(tk[1] as string);
    if (!m) fail(`expire "${tk[1]}" is not mm:ss`);
    const state = tk[2] as string;
    if (!/^[A-Z][A-Z0-9_]*$/.test(state)) fail(`unknown state "${state}"`);
    connections.push({
      protocol: proto.toLowerCase(),
      expire: Number((m as RegExpExecArray)[1]) * 60 + Number((m as RegExpExecArray)[2]),
      state,
      source: endpoint(tk[3], "source", fail),
      virtual: endpoint(tk[4], "virtual", fail),
      destination: endpoint(tk[5], "destination", fail),
      pe: tk[6] ?? null,
      peData: tk[7] ?? null,
    });
  }
  if (header !== 2) {
    const last = Math.max(1, lines.length);
    throw new IpvsParseError(last, lines[last - 1] ?? "", "incomplete output: the -Lnc headers are missing");
  }
  return { connections };
}
