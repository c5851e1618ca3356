// A spec's hold on the one shared lab, from its beforeAll to its afterAll. A lab that is down fails
// the spec (never a skip: CI must not pass without the lab).
import { acquireLab, assertLabRoute, lab, labEnv, type LabEnv } from "../lab/env";

export interface LabHold {
  env: LabEnv;
  release: () => void;
}

/**
 * Checks the lab is up and each of `hosts` is routed through it, waits for the lab (acquireLab) and,
 * unless `reset: false`, brings it to the single-subnet layout with nothing configured.
 */
export async function holdLab(owner: string, hosts: readonly string[], opts: { reset?: boolean; waitMs?: number } = {}): Promise<LabHold> {
  let env = await labEnv();
  if (!env.up) throw new Error("the lab is not up (npm run lab -- up)");
  for (const h of hosts) await assertLabRoute(env.hosts[h]!.address, env.managementInterface);
  const release = await acquireLab({ owner, timeoutMs: opts.waitMs ?? 540_000 });
  if (opts.reset !== false) {
    await lab(["layout", "single"]);
    await lab(["reset"]);
    env = await labEnv();
  }
  return { env, release };
}

/** Resets the lab (when it is still up) and lets the next spec have it. */
export async function releaseLab(hold: LabHold | null): Promise<void> {
  try {
    if (hold?.env.up) await lab(["reset"]);
  } finally {
    hold?.release();
  }
}
