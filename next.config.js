/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or process-bound packages stay outside the server bundle.
  serverExternalPackages: ["ssh2", "cpu-features", "pg", "@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/adapter-pg", "bcryptjs"],
  poweredByHeader: false,
  // `npm test` runs `tsc --noEmit` over the whole tree as its own stage; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
};
export default nextConfig;
