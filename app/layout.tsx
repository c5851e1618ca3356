import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "LVS Panel", template: "%s · LVS Panel" },
  description: "Control panel for Linux Virtual Server (IPVS) clusters",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
