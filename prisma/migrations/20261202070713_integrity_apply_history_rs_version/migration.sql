-- Apply history outlives its cluster: a deleted cluster's runs keep their record (clusterId set to
-- NULL, the cluster's name kept in clusterName). Real servers get an optimistic-locking version.
-- DropForeignKey
ALTER TABLE "ApplyRun" DROP CONSTRAINT "ApplyRun_clusterId_fkey";

-- AlterTable
ALTER TABLE "ApplyRun" ADD COLUMN     "clusterName" TEXT NOT NULL DEFAULT '',
ALTER COLUMN "clusterId" DROP NOT NULL;

UPDATE "ApplyRun" r SET "clusterName" = c.name FROM "Cluster" c WHERE c.id = r."clusterId";

-- AlterTable
ALTER TABLE "RealServer" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AddForeignKey
ALTER TABLE "ApplyRun" ADD CONSTRAINT "ApplyRun_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE SET NULL ON UPDATE CASCADE;
