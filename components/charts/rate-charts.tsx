"use client";
import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { human } from "@/components/live/format";

// Rates over time per virtual service and per real server, from the worker's counter samples
// (GET /api/clusters/[id]/samples). One line for the service's total and one per real server. Each sample
// is what the kernel reported at that read (held until the next one, 10 s later): drawn as steps, never
// a smoothed curve that would invent values between reads.

const METRICS = [
  ["cps", "Connections/s"], ["inPps", "Packets in/s"], ["outPps", "Packets out/s"], ["inBps", "Bytes in/s"], ["outBps", "Bytes out/s"], ["activeConns", "Active connections"],
] as const;
type Metric = (typeof METRICS)[number][0];
type Point = { t: number; weight: number | null } & Record<Metric, number>;
type Samples = { services: string[]; service: string | null; minutes: number; series: Array<{ destination: string; points: Point[] }> };

const COLORS = ["#0f172a", "#0284c7", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2", "#65a30d", "#db2777", "#475569"];
const time = (t: number) => new Date(t).toISOString().slice(11, 19);

export function RateCharts({ clusterId }: { clusterId: string }) {
  const [data, setData] = useState<Samples | null>(null);
  const [service, setService] = useState<string | null>(null);
  const [metric, setMetric] = useState<Metric>("cps");
  const [minutes, setMinutes] = useState(30);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const q = new URLSearchParams({ minutes: String(minutes), ...(service ? { service } : {}) });
        const r = await fetch(`/api/clusters/${clusterId}/samples?${q}`, { cache: "no-store" });
        if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
        const d = (await r.json()) as Samples;
        if (!stop) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(load, 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [clusterId, service, minutes]);

  // one row per sample time, a column per series
  const names = data?.series.map((s) => s.destination || "service total") ?? [];
  const rows = new Map<number, Record<string, number>>();
  for (const s of data?.series ?? []) {
    const name = s.destination || "service total";
    for (const p of s.points) {
      const t = Math.round(p.t / 1000) * 1000;
      (rows.get(t) ?? rows.set(t, { t }).get(t)!)[name] = p[metric];
    }
  }
  const chart = [...rows.values()].sort((a, b) => a.t! - b.t!);
  return (
    <div className="card space-y-2" data-testid="rate-charts">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <h3 className="mr-2 font-medium">Rates over time</h3>
        <label className="flex items-center gap-1">Service
          <select className="input w-auto py-0.5" value={service ?? data?.service ?? ""} onChange={(e) => setService(e.target.value)} aria-label="Service">
            {(data?.services ?? []).map((s) => <option key={s} value={s}>{s}</option>)}
          </select></label>
        <label className="flex items-center gap-1">Metric
          <select className="input w-auto py-0.5" value={metric} onChange={(e) => setMetric(e.target.value as Metric)} aria-label="Metric">
            {METRICS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
          </select></label>
        <label className="flex items-center gap-1">Last
          <select className="input w-auto py-0.5" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} aria-label="Time range">
            <option value={15}>15 min</option><option value={30}>30 min</option><option value={60}>1 h</option><option value={360}>6 h</option><option value={1440}>24 h</option>
          </select></label>
      </div>
      {error && <p role="alert" className="text-sm text-red-700">Samples could not be read: {error}</p>}
      {!error && data && chart.length === 0 && <p className="text-sm text-zinc-500" data-testid="rate-charts-empty">No samples yet: the worker samples the director&apos;s counters every 10 s once the cluster has a director with a trusted key.</p>}
      {chart.length > 0 && (
        <div className="h-64 w-full" data-testid="rate-chart" data-series={names.join("|")}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={chart} margin={{ top: 5, right: 20, bottom: 5, left: 10 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
              <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} scale="time" tickFormatter={time} fontSize={11} />
              <YAxis tickFormatter={(v: number) => human(v)} fontSize={11} width={50} />
              <Tooltip labelFormatter={(t) => `${time(Number(t))} UTC`} formatter={(v) => Number(v).toLocaleString("en")} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {names.map((n, i) => <Line key={n} type="stepAfter" dataKey={n} stroke={COLORS[i % COLORS.length]} strokeWidth={n === "service total" ? 2 : 1.5} dot={false} isAnimationActive={false} connectNulls />)}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}
