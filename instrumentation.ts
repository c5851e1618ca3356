// Runs once when the panel's server starts (not per request).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootstrapAdminFromEnv } = await import("./lib/bootstrap");
  await bootstrapAdminFromEnv();
  // Still no user: the setup page needs the one-time token printed here.
  const { announceSetupToken } = await import("./lib/setup-token");
  await announceSetupToken(await (await import("./lib/db")).db());
  // With the embedded database only this process may open it, so the worker runs in here.
  await (await import("./lib/worker/start")).startInProcessWorkerIfAsked();
}
