-- CreateTable
CREATE TABLE "RealServerProbe" (
    "hostId" TEXT NOT NULL,
    "probedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready" BOOLEAN,
    "error" TEXT,
    "report" JSONB,

    CONSTRAINT "RealServerProbe_pkey" PRIMARY KEY ("hostId")
);
