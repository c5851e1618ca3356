import { NextResponse } from "next/server";

// Browsers ask for /favicon.ico whatever the page links; the panel's icon is public/favicon.svg.
export function GET(req: Request) {
  return NextResponse.redirect(new URL("/favicon.svg", req.url), 308);
}
