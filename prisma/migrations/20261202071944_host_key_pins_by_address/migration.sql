-- CreateTable
CREATE TABLE "KnownHostKey" (
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "algorithm" TEXT,
    "trustedBy" TEXT NOT NULL,
    "trustedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnownHostKey_pkey" PRIMARY KEY ("address","port")
);

-- Keys already pinned become the known keys of their address:port (the latest pin wins).
INSERT INTO "KnownHostKey" ("address", "port", "fingerprint", "algorithm", "trustedBy", "trustedAt")
SELECT DISTINCT ON (lower("address"), "sshPort") lower("address"), "sshPort", "hostKeyFingerprint", "hostKeyAlgorithm", 'migration', "updatedAt"
FROM "Host" WHERE "hostKeyFingerprint" IS NOT NULL
ORDER BY lower("address"), "sshPort", "updatedAt" DESC;
