// Test support: what a director's kernel weighs each real server of one TCP virtual service, read
// with `ipvsadm -S -n` and the panel's own parser (a hand-written regex would be a second parser).
import { parseSave } from "@/lib/ipvs/parse-save";
import type { SshPool, SshTarget } from "@/lib/ssh";

/** RIP → weight for the TCP service VIP:port (empty when the kernel has no such service). */
export async function kernelWeights(pool: SshPool, director: SshTarget, vip: string, port = 80): Promise<Map<string, number>> {
  const table = parseSave((await pool.exec(director, ["ipvsadm", "-S", "-n"])).stdout);
  const service = table.services.find((s) => s.protocol === "tcp" && s.address === vip && s.port === port);
  return new Map((service?.destinations ?? []).map((d) => [d.address, d.weight]));
}
