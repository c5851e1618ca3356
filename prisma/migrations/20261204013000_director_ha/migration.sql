-- Director HA (issue 16): opt-in VRRP settings per cluster, a priority per director, and each
-- director's last HA reading.
ALTER TABLE "Cluster" ADD COLUMN "haEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "vrrpRouterId" INTEGER NOT NULL DEFAULT 51,
ADD COLUMN "vrrpInterface" TEXT NOT NULL DEFAULT 'eth0',
ADD COLUMN "vrrpAdvertInt" DOUBLE PRECISION NOT NULL DEFAULT 1,
ADD COLUMN "vrrpPreempt" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "vrrpPreemptDelay" INTEGER NOT NULL DEFAULT 30,
ADD COLUMN "vrrpUnicast" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "vrrpAuthPass" TEXT,
ADD COLUMN "syncDaemon" BOOLEAN NOT NULL DEFAULT true;

ALTER TABLE "Host" ADD COLUMN "vrrpPriority" INTEGER NOT NULL DEFAULT 100;

CREATE TABLE "DirectorState" (
    "hostId" TEXT NOT NULL,
    "vrrpState" TEXT,
    "vipsHeld" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "syncDaemon" TEXT NOT NULL DEFAULT '',
    "syncedConns" INTEGER,
    "behind" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "readAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DirectorState_pkey" PRIMARY KEY ("hostId")
);

ALTER TABLE "DirectorState" ADD CONSTRAINT "DirectorState_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
