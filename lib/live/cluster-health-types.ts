// The cluster health page's types, for the UI: type-only, imports nothing (no SSH, no database).

export interface Check { name: string; ok: boolean | null; detail: string }

export interface CheckState {
  service: string; realServer: string; configured: boolean; enabled: boolean; why: string | null;
  status: "up" | "down" | "unknown"; lastOk: boolean | null; message: string; latencyMs: number | null;
  checkedAt: string | null; changedAt: string | null;
}

export interface RealServerHealth {
  host: string; address: string; sshReachable: boolean | null; drReady: boolean | null; problems: string[];
  inKernel: Array<{ service: string; weight: number | null; activeConns: number | null; inactConns: number | null }>;
  checks: CheckState[]; lastChange: string | null;
}

export interface ClusterHealth { at: string; level: "ok" | "warning" | "error" | "unknown"; summary: string; director: Check[]; realServers: RealServerHealth[] }
