import { EmptyState } from "@/components/empty-state";
import { RoleNotice } from "@/components/role-notice";
import { SshKeyCreateForm } from "@/components/ssh-keys/create-form";
import { requireUser } from "@/lib/auth";
import { publicKeyFingerprint } from "@/lib/data/ssh-keys";
import { db } from "@/lib/db";
import { can } from "@/lib/roles";

export const metadata = { title: "SSH keys" };

export default async function SshKeysPage() {
  const user = await requireUser();
  // Never select privateKey: the encrypted blob has no business in a page either.
  const keys = await (await db()).sshKey.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, publicKey: true, createdAt: true, _count: { select: { hosts: true } } } });
  const allowed = can(user.role, "manage-ssh-keys");
  return (
    <div className="space-y-6">
      <h1>SSH keys</h1>
      {keys.length ? (
        <div className="card overflow-x-auto p-0"><table className="table"><thead><tr><th>Name</th><th>Fingerprint</th><th>Public key (for authorized_keys)</th><th>Hosts</th></tr></thead><tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key={k.name}><td className="font-medium">{k.name}</td><td className="mono whitespace-nowrap text-xs" data-testid="key-fingerprint" title="as ssh-keygen -lf prints it">{publicKeyFingerprint(k.publicKey) ?? "?"}</td><td className="mono max-w-xl break-all text-xs">{k.publicKey}</td><td className="tabular-nums">{k._count.hosts}</td></tr>
          ))}
        </tbody></table></div>
      ) : <EmptyState title="No SSH keys yet">The panel logs into directors and real servers with a key stored here. Generate one and add its public key to each host&apos;s authorized_keys.</EmptyState>}
      <section className="card max-w-2xl space-y-3">
        <h2>Add an SSH key</h2>
        {!allowed && <RoleNotice role={user.role} permission="manage-ssh-keys" />}
        <SshKeyCreateForm disabled={!allowed} />
      </section>
    </div>
  );
}
