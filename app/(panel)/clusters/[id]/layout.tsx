import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export default async function ClusterLayout({ children, params }: { children: React.ReactNode; params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const cluster = await (await db()).cluster.findUnique({ where: { id }, select: { id: true, name: true, description: true } });
  if (!cluster) notFound();
  const base = `/clusters/${cluster.id}`;
  const tabs = [["Overview", base], ["Plan & apply", `${base}/plan`], ["History", `${base}/applies`], ["Versions", `${base}/versions`], ["Import", `${base}/import`], ["Health", `${base}/health`], ["Director HA", `${base}/ha`]] as const;
  return (
    <div className="space-y-6">
      <div>
        <div className="text-xs text-zinc-500"><Link href="/clusters" className="hover:underline">Clusters</Link> /</div>
        <h1 data-testid="cluster-name">{cluster.name}</h1>
        {cluster.description && <p className="text-sm text-zinc-500">{cluster.description}</p>}
        <nav className="mt-2 flex gap-3 border-b border-zinc-200 text-sm dark:border-zinc-800" aria-label="Cluster">
          {tabs.map(([label, href]) => <Link key={href} href={href} className="-mb-px border-b-2 border-transparent px-1 pb-1 hover:border-sky-500">{label}</Link>)}
        </nav>
      </div>
      {children}
    </div>
  );
}
