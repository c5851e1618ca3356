"use client";
import { useEffect, useState } from "react";

type Step = { id: string; hostName: string; position: number; command: string; disruptive: boolean; status: string; exitCode: number | null; stdout: string; stderr: string; durationMs: number | null };
type Run = { id: string; actor: string; outcome: string; error: string | null; startedAt: string; finishedAt: string | null; verification: Verification | null; steps: Step[] };

type Verification = { differences?: string[]; after?: string | null;
  /** an apply to several directors (director HA): each director's own verification */
  directors?: Array<{ director: string; outcome: string; differences: string[]; after: string | null }> };

const TONE: Record<string, string> = {
  succeeded: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100", failed: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  verify_failed: "bg-red-100 text-red-900", running: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100", pending: "bg-zinc-100 text-zinc-700", skipped: "bg-zinc-100 text-zinc-700",
};

/** An apply as it happens, read from the database over a stream: a reload picks up where it is. */
export function RunProgress({ clusterId, initial }: { clusterId: string; initial: Run }) {
  const [run, setRun] = useState<Run>(initial);
  useEffect(() => {
    if (initial.outcome !== "running" && initial.outcome !== "planned") return;
    const es = new EventSource(`/api/clusters/${clusterId}/applies/${initial.id}`);
    es.onmessage = (e) => {
      const r = JSON.parse(e.data) as Run & { missing?: boolean };
      if (r.missing) return es.close();
      setRun(r);
      if (r.outcome !== "running" && r.outcome !== "planned") es.close();
    };
    return () => es.close();
  }, [clusterId, initial.id, initial.outcome]);
  const hosts = [...new Set(run.steps.map((s) => s.hostName))];
  return (
    <div className="space-y-3" data-testid="apply-run">
      <p>Outcome: <span className={`badge ${TONE[run.outcome] ?? ""}`} data-testid="apply-outcome">{run.outcome}</span> · by {run.actor} · started {run.startedAt.slice(0, 19).replace("T", " ")}{run.finishedAt ? ` · finished ${run.finishedAt.slice(11, 19)}` : ""}</p>
      {run.error && <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">{run.error}</p>}
      {hosts.map((h) => {
        const steps = run.steps.filter((s) => s.hostName === h);
        // each director's steps are its own (director HA applies to every director in parallel)
        const failed = steps.some((s) => s.status === "failed");
        const state = failed ? "failed" : steps.some((s) => s.status === "running" || s.status === "pending") ? "running" : "succeeded";
        return (
        <section key={h} className="card space-y-2 p-0" data-run-host={h} data-host-outcome={state}>
          <h3 className="px-3 pt-2 font-medium">{h}{hosts.length > 1 && <span className={`badge ml-2 ${TONE[state] ?? ""}`}>{failed ? "failed: behind" : state}</span>}</h3>
          <table className="table text-xs">
            <thead><tr><th>#</th><th>Command</th><th>Status</th><th>Exit</th><th>Output</th></tr></thead>
            <tbody>{steps.map((s) => (
              <tr key={s.id} className={s.disruptive ? "bg-red-50 dark:bg-red-950" : ""} data-step={s.position}>
                <td>{s.position}</td>
                <td className="mono">{s.command}{s.disruptive && <span className="badge ml-2 bg-red-200 text-red-900">disruptive</span>}</td>
                <td><span className={`badge ${TONE[s.status] ?? ""}`}>{s.status}</span></td>
                <td className="tabular-nums">{s.exitCode ?? ""}</td>
                <td className="mono whitespace-pre-wrap">{(s.stdout + s.stderr).trim()}</td>
              </tr>
            ))}</tbody>
          </table>
        </section>
        );
      })}
      {run.verification?.directors && (
        <section className="card space-y-2 text-sm" data-testid="verification">
          <h3 className="font-medium">Verification</h3>
          {run.verification.directors.map((d) => (
            <div key={d.director} data-verified-director={d.director} data-outcome={d.outcome}>
              <p><span className="font-medium">{d.director}</span>: <span className={`badge ${TONE[d.outcome] ?? ""}`}>{d.outcome}</span>
                {d.outcome === "succeeded" ? <span className="text-emerald-700"> its table matches the desired state.</span> : <span className="text-red-800"> behind: held out of MASTER until an apply verifies on it.</span>}</p>
              {d.differences.length > 0 && <ul className="list-disc pl-5 text-red-800">{d.differences.map((x) => <li key={x}>{x}</li>)}</ul>}
            </div>
          ))}
        </section>
      )}
      {run.verification && !run.verification.directors && (
        <section className="card text-sm" data-testid="verification">
          <h3 className="font-medium">Verification</h3>
          {run.verification.differences?.length ? <ul className="list-disc pl-5 text-red-800">{run.verification.differences.map((d) => <li key={d}>{d}</li>)}</ul>
            : <p className="text-emerald-700">The director&apos;s table matches the desired state.</p>}
          {run.verification.after != null && <pre className="mono mt-2 overflow-x-auto text-xs">{run.verification.after}</pre>}
        </section>
      )}
    </div>
  );
}
