"use client";
import { signOut } from "next-auth/react";

export function SignOutButton() {
  return <button type="button" className="text-xs text-zinc-500 underline hover:text-zinc-800 dark:hover:text-zinc-200" onClick={() => signOut({ callbackUrl: "/login" })}>Sign out</button>;
}
