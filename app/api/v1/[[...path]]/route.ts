// Every /api/v1 request goes through one router (lib/api/routes.ts): auth, limits, problems, OpenAPI.
import { handleApi } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = handleApi;
export const HEAD = handleApi;
export const POST = handleApi;
export const PUT = handleApi;
export const PATCH = handleApi;
export const DELETE = handleApi;
export const OPTIONS = handleApi;
