import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { db } from "@/lib/db";
import { ensureSetupToken, setupTokenFile } from "@/lib/setup-token";

export const metadata = { title: "First-run setup" };

// Exists only while the database has no user; afterwards it is a 404.
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  if ((await (await db()).user.count()) > 0) notFound();
  // Normally made (and printed) at server start; made here if someone removed the file since.
  if (ensureSetupToken().created) console.log(`First-run setup token written to ${setupTokenFile()}`);
  const { token } = await searchParams;
  return (
    <div className="card space-y-4">
      <div>
        <h1>Welcome to LVS Panel</h1>
        <p className="mt-1 text-sm text-zinc-500">Create the first administrator. This page disappears once it exists.</p>
      </div>
      <SetupForm token={typeof token === "string" ? token : ""} />
    </div>
  );
}
