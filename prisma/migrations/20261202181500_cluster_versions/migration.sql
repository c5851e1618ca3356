-- Versions of a cluster's desired state (issue 17), and which version each apply pushed.
CREATE TABLE "ClusterVersion" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClusterVersion_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ClusterVersion_clusterId_number_key" ON "ClusterVersion"("clusterId", "number");

ALTER TABLE "ClusterVersion" ADD CONSTRAINT "ClusterVersion_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "ApplyRun" ADD COLUMN "clusterVersion" INTEGER;
