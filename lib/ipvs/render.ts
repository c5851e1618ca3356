// Steps → exact ipvsadm argv (no shell quoting: that is the SSH layer's job), or one `ipvsadm -R`
// batch. Every value comes from the validated model; a final check refuses any token that is not
// plain ipvsadm vocabulary, so nothing unexpected can reach a command line.
import { hostPort } from "./address";
import type { Destination, Service, ServiceId, Table } from "./model";
import type { Step } from "./steps";

/** ipvsadm's service selector: -t/-u/--sctp-service ADDR:PORT, or -f MARK [-6]. */
export function serviceArgs(s: ServiceId): string[] {
  switch (s.protocol) {
    case "tcp": return ["-t", hostPort(s.address as string, s.port as number)];
    case "udp": return ["-u", hostPort(s.address as string, s.port as number)];
    case "sctp": return ["--sctp-service", hostPort(s.address as string, s.port as number)];
    case "fwmark": return s.family === "inet6" ? ["-f", String(s.fwmark), "-6"] : ["-f", String(s.fwmark)];
  }
}

/** Every service option, restated (for -A and -E alike: -E does not merge). */
export function serviceOptionArgs(s: Service): string[] {
  const out = ["-s", s.scheduler];
  if (s.persistent !== null) {
    out.push("-p", String(s.persistent));
    const full = s.family === "inet6" ? "128" : "255.255.255.255";
    if (s.netmask !== null && s.netmask !== full) out.push("-M", s.netmask);
  }
  if (s.pe !== null) out.push("--pe", s.pe);
  if (s.ops) out.push("-o");
  if (s.flags.length) out.push("-b", s.flags.join(","));
  return out;
}

const FWD: Record<Destination["forward"], string> = { route: "-g", masq: "-m", tunnel: "-i", local: "-g" };

/** Every real-server option, restated (for -a and -e alike). */
export function destinationOptionArgs(d: Destination): string[] {
  const out = [FWD[d.forward], "-w", String(d.weight)];
  if (d.upperThreshold !== 0) out.push("-x", String(d.upperThreshold));
  if (d.lowerThreshold !== 0) out.push("-y", String(d.lowerThreshold));
  if (d.forward === "tunnel" && d.tunnelType !== null && d.tunnelType !== "ipip") {
    out.push("--tun-type", d.tunnelType);
    if (d.tunnelType === "gue" && d.tunnelPort !== null) out.push("--tun-port", String(d.tunnelPort));
    if (d.tunnelCsum !== null) out.push(`--tun-${d.tunnelCsum}`);
  }
  return out;
}

/** The ipvsadm arguments of a step, without "ipvsadm" itself. */
export function stepArgs(step: Step): string[] {
  const svc = serviceArgs(step.service);
  let args: string[];
  switch (step.op) {
    case "add-service": args = ["-A", ...svc, ...serviceOptionArgs(step.service)]; break;
    case "edit-service": args = ["-E", ...svc, ...serviceOptionArgs(step.service)]; break;
    case "delete-service": args = ["-D", ...svc]; break;
    case "add-destination": args = ["-a", ...svc, "-r", hostPort(step.destination.address, step.destination.port), ...destinationOptionArgs(step.destination)]; break;
    case "edit-destination": args = ["-e", ...svc, "-r", hostPort(step.destination.address, step.destination.port), ...destinationOptionArgs(step.destination)]; break;
    case "delete-destination": args = ["-d", ...svc, "-r", hostPort(step.destination.address, step.destination.port)]; break;
  }
  for (const a of args) if (!SAFE.test(a)) throw new Error(`refusing to render unsafe ipvsadm argument ${JSON.stringify(a)}`);
  return args;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9.:,_-]*$|^--?[A-Za-z0-9][A-Za-z0-9-]*$|^\[[0-9a-f:.]+\]:\d+$/;

/** argv of a step: ["ipvsadm", ...]. No shell quoting is applied (none is needed, none is done). */
export function stepArgv(step: Step): string[] {
  return ["ipvsadm", ...stepArgs(step)];
}

/** One shell-free command line per step, for display: "ipvsadm -A -t 10.0.0.1:80 -s rr". */
export function stepCommand(step: Step): string {
  return stepArgv(step).join(" ");
}

/**
 * All steps as one `ipvsadm -R` batch (restore format, one line per step). ipvsadm -R stops at the
 * first line it cannot parse (exit 2, earlier lines stay applied) but goes on past kernel errors and
 * exits 0: read the table again afterwards instead of trusting the exit status.
 */
export function renderRestore(steps: readonly Step[]): string {
  return steps.map((s) => stepArgs(s).join(" ") + "\n").join("");
}

/** A whole table as `ipvsadm -S -n` lines (with -x/-y), for people and records: one way only, never parsed back. */
export function renderTable(t: Table): string {
  return renderRestore(t.services.flatMap((s): Step[] => [
    { op: "add-service", service: s, reason: "", disruptive: false },
    ...s.destinations.map((d): Step => ({ op: "add-destination", service: s, destination: d, reason: "", disruptive: false })),
  ]));
}
