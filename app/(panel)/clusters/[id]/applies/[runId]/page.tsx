import { notFound } from "next/navigation";
import { RunProgress } from "@/components/apply/run-progress";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

export default async function ApplyRunPage({ params }: { params: Promise<{ id: string; runId: string }> }) {
  await requireUser();
  const { id, runId } = await params;
  const run = await (await db()).applyRun.findFirst({ where: { id: runId, clusterId: id }, include: { steps: { orderBy: { position: "asc" } } } });
  if (!run) notFound();
  // Dates and JSON cross to the client component as plain JSON.
  const initial = JSON.parse(JSON.stringify(run)) as Parameters<typeof RunProgress>[0]["initial"];
  return (
    <div className="space-y-3">
      <h2>Apply</h2>
      <RunProgress clusterId={id} initial={initial} />
    </div>
  );
}
