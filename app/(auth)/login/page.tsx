import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeCallbackPath } from "@/lib/callback-url";
import { db } from "@/lib/db";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; setup?: string; email?: string }> }) {
  if ((await (await db()).user.count()) === 0) redirect("/setup");
  const { callbackUrl, setup, email } = await searchParams;
  // Only paths on the panel itself: never bounce a signed-in operator to another origin.
  const next = safeCallbackPath(callbackUrl, process.env.NEXTAUTH_URL ?? "http://localhost");
  return (
    <div className="card space-y-4">
      <h1>Sign in</h1>
      {setup === "done" && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">Admin account created. Sign in with it.</p>}
      <LoginForm callbackUrl={next} email={setup === "done" && typeof email === "string" ? email.slice(0, 254) : undefined} />
    </div>
  );
}
