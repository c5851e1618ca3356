import { HealthBadge } from "@/components/health/badge";
import { requireUser } from "@/lib/auth";
import { clusterHealth } from "@/lib/console/health";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

const Mark = ({ ok }: { ok: boolean | null }) => <span className={ok === null ? "text-zinc-500" : ok ? "text-emerald-700" : "text-red-700"}>{ok === null ? "?" : ok ? "✓" : "✗"}</span>;

export default async function HealthPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const h = await clusterHealth(await db(), id);
  return (
    <div className="space-y-4" data-testid="health">
      <p>Health: <HealthBadge health={h} /> <span className="text-xs text-zinc-500">probed {h.at.slice(0, 19).replace("T", " ")} UTC</span></p>
      <section className="card space-y-1"><h2>Director</h2>
        <ul className="text-sm">{h.director.map((c) => <li key={c.name} data-check={c.name}><Mark ok={c.ok} /> {c.name}: <span className="text-zinc-600 dark:text-zinc-400">{c.detail}</span></li>)}</ul>
      </section>
      <section className="card overflow-x-auto p-0"><table className="table text-sm">
        <thead><tr><th>Real server</th><th>SSH</th><th>DR-ready</th><th>In the kernel (weight, active/inactive)</th><th>Health check</th><th>Last change</th></tr></thead>
        <tbody>{h.realServers.map((r) => (
          <tr key={r.host} data-rs={r.host}>
            <td>{r.host} <span className="mono text-xs text-zinc-500">{r.address}</span></td>
            <td><Mark ok={r.sshReachable} /></td>
            <td><Mark ok={r.drReady} /> <span className="text-xs text-red-700">{r.problems.join("; ")}</span></td>
            <td className="mono text-xs">{r.inKernel.map((k) => <div key={k.service}>{k.service}: {k.weight === null ? "not in the table" : `w${k.weight}, ${k.activeConns}/${k.inactConns}`}</div>)}</td>
            <td className="text-xs text-zinc-500">not configured</td>
            <td className="text-xs">{r.lastChange?.slice(0, 16).replace("T", " ") ?? ""}</td>
          </tr>
        ))}</tbody>
      </table></section>
    </div>
  );
}
