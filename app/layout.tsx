import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "LVS Panel", template: "%s · LVS Panel" },
  description: "Control panel for Linux Virtual Server (IPVS) clusters",
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
