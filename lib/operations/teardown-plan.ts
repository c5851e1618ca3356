// What of a cluster its director still runs (lib/operations/teardown reads it), and the words for it that
// the delete form and the API's refusal use. Pure: the client form imports it too.

export interface TeardownPlan {
  director: string | null;
  /** ipvsadm -D of the cluster's virtual services the kernel holds now */
  services: Array<{ command: string; disruptive: boolean }>;
  /** VIPs of the cluster bound on the director that no other cluster uses */
  vips: Array<{ vip: string; iface: string; command: string }>;
  /** the director could not be read: what it holds is unknown */
  error: string | null;
}

export const holdsSomething = (p: TeardownPlan) => p.services.length > 0 || p.vips.length > 0;

/** "2 virtual services (-t 10.78.0.100:80, -u 10.78.0.100:53) and VIP 10.78.0.100 on eth1" */
export function leftRunning(p: TeardownPlan): string {
  const parts = [
    ...(p.services.length ? [`${p.services.length} virtual service${p.services.length === 1 ? "" : "s"} (${p.services.map((s) => s.command.replace(/^ipvsadm -D /, "")).join(", ")})`] : []),
    ...(p.vips.length ? [`VIP ${p.vips.map((v) => `${v.vip} on ${v.iface}`).join(", ")}`] : []),
  ];
  return parts.join(" and ");
}
