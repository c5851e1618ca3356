import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { db } from "@/lib/db";

export const metadata = { title: "First-run setup" };

// Exists only while the database has no user; afterwards it is a 404.
export default async function SetupPage() {
  if ((await (await db()).user.count()) > 0) notFound();
  return (
    <div className="card space-y-4">
      <div>
        <h1>Welcome to LVS Panel</h1>
        <p className="mt-1 text-sm text-zinc-500">Create the first administrator. This page disappears once it exists.</p>
      </div>
      <SetupForm />
    </div>
  );
}
