import "server-only";
import type { NextAuthOptions, Session } from "next-auth";
import { getServerSession } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { redirect } from "next/navigation";
import { cache } from "react";
import { db } from "./db";
import { can, deniedMessage, isRole, type Permission, type Role } from "./roles";
import { getSecret } from "./secrets";
import { loginSchema } from "./validation/user";
import { dummyHash, verifyPassword } from "./passwords";
import { loginKeys, loginSucceeded, reserveLoginAttempt } from "./login-throttle";
import { CLIENT_ADDRESS_HEADER, throttleBucket, verifiedClientAddress } from "./client-address";

export type PanelUser = { id: string; email: string; name: string; role: Role };

// One message for every failure: never say whether the account or the password was wrong.
export const LOGIN_FAILED = "Email or password is incorrect, or the account is disabled.";

/**
 * The address scripts/next-server.ts vouched for (TRUSTED_PROXIES decides whether X-Forwarded-For
 * counts). Without it (a server that does not sign) every request shares one bucket.
 */
function clientAddress(headers: Record<string, unknown> | undefined): string {
  return verifiedClientAddress(headers?.[CLIENT_ADDRESS_HEADER], getSecret("NEXTAUTH_SECRET")) ?? "unsigned";
}

export const authOptions: NextAuthOptions = {
  secret: getSecret("NEXTAUTH_SECRET"),
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const parsed = loginSchema.safeParse(credentials ?? {});
        if (!parsed.success) throw new Error(LOGIN_FAILED);
        const { email, password } = parsed.data;
        const keys = loginKeys(throttleBucket(clientAddress(req?.headers as Record<string, unknown>)), email);
        const prisma = await db();
        const wait = await reserveLoginAttempt(prisma, keys);
        if (wait > 0) throw new Error(`Too many failed logins from your address. Try again in ${Math.ceil(wait / 1000)} s.`);
        const user = await prisma.user.findUnique({ where: { email } });
        // Compare against a dummy hash when the user is unknown, so timing does not reveal it.
        const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash());
        if (!user || !ok || user.disabled) throw new Error(LOGIN_FAILED);
        await loginSucceeded(prisma, keys);
        return { id: user.id, email: user.email, name: user.name, role: user.role };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) token.role = (user as unknown as PanelUser).role;
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        (session.user as PanelUser).id = token.sub ?? "";
        (session.user as PanelUser).role = isRole(token.role) ? token.role : "viewer";
      }
      return session;
    },
  },
};

/**
 * Once per request (React cache: the layout and the page share one session decode and one query).
 * The signed-in user as the database knows them NOW (role changes and disabling take effect on the
 * next request, not when the session expires), or null.
 */
export const currentUser = cache(async function currentUser(): Promise<PanelUser | null> {
  const session: Session | null = await getServerSession(authOptions);
  const id = (session?.user as PanelUser | undefined)?.id;
  if (!id) return null;
  const user = await (await db()).user.findUnique({ where: { id } });
  if (!user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
});

/** For pages: the user, or a redirect to the login page. */
export async function requireUser(): Promise<PanelUser> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return user;
}

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** For server actions and route handlers: the user if allowed, else a ForbiddenError naming the rule. */
export async function authorize(permission: Permission): Promise<PanelUser> {
  const user = await currentUser();
  if (!user) throw new ForbiddenError("You are not signed in.");
  if (!can(user.role, permission)) throw new ForbiddenError(deniedMessage(user.role, permission));
  return user;
}

/** For route handlers: the user if allowed, else the Response to return (401 not signed in, 403 role). */
export async function authorizeRoute(permission: Permission): Promise<PanelUser | Response> {
  try {
    return await authorize(permission);
  } catch (e) {
    if (!(e instanceof ForbiddenError)) throw e;
    return new Response(e.message, { status: e.message === "You are not signed in." ? 401 : 403 });
  }
}
