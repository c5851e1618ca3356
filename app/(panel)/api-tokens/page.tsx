import Link from "next/link";
import { ApiTokenCreateForm } from "@/components/api-tokens/create-form";
import { RevokeTokenButton } from "@/components/api-tokens/revoke-button";
import { EmptyState } from "@/components/empty-state";
import { listApiTokens } from "@/lib/api/tokens";
import { requireUser } from "@/lib/auth";
import { db } from "@/lib/db";

export const metadata = { title: "API tokens" };

function status(t: { expiresAt: Date | null; revokedAt: Date | null }, now: number) {
  if (t.revokedAt) return `revoked ${t.revokedAt.toISOString().slice(0, 16).replace("T", " ")}`;
  if (t.expiresAt && t.expiresAt.getTime() <= now) return "expired";
  return "active";
}

export default async function ApiTokensPage() {
  const user = await requireUser();
  const tokens = await listApiTokens(await db(), user.id);
  const now = Date.now();
  return (
    <div className="space-y-6">
      <h1>API tokens</h1>
      <p className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
        Tokens let scripts, deploy pipelines and the <code>lvs</code> command use the <Link className="underline" href="/api-docs">runtime API</Link> as you.
        A token never has more rights than you: its role is at most yours, and if your role is lowered later, the token is lowered with it.
        Only a hash is stored; the token is shown once.
      </p>
      {tokens.length ? (
        <div className="card overflow-x-auto p-0"><table className="table" data-testid="api-tokens"><thead><tr><th>Name</th><th>Token</th><th>Role</th><th>Expires</th><th>Last used</th><th>Status</th><th /></tr></thead><tbody>
          {tokens.map((t) => {
            const st = status(t, now);
            return (
              <tr key={t.id} data-token={t.name}>
                <td className="font-medium">{t.name}</td>
                <td className="mono text-xs">{t.prefix}…</td>
                <td>{t.role}</td>
                <td className="tabular-nums">{t.expiresAt?.toISOString().slice(0, 10) ?? "never"}</td>
                <td className="tabular-nums">{t.lastUsedAt ? t.lastUsedAt.toISOString().slice(0, 16).replace("T", " ") : "never"}</td>
                <td data-status>{st}</td>
                <td>{st === "active" && <RevokeTokenButton id={t.id} name={t.name} />}</td>
              </tr>
            );
          })}
        </tbody></table></div>
      ) : <EmptyState title="No API tokens yet">Create one for each script or pipeline, so each can be revoked on its own.</EmptyState>}
      <section className="card max-w-3xl space-y-3">
        <h2>Create a token</h2>
        <ApiTokenCreateForm role={user.role} />
      </section>
    </div>
  );
}
