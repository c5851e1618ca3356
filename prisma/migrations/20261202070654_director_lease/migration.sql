-- CreateTable
CREATE TABLE "DirectorLease" (
    "key" TEXT NOT NULL,
    "token" TEXT,
    "owner" TEXT,
    "fence" BIGINT NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "acquiredAt" TIMESTAMP(3),

    CONSTRAINT "DirectorLease_pkey" PRIMARY KEY ("key")
);
