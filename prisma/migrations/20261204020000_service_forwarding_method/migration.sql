-- A virtual service's forwarding method is stored (it was derived from its real servers, so a service
-- without any did not survive export → import). Existing services: the method most of their real
-- servers use (ties: the alphabetically first, a stable pick), none: the cluster's default.
ALTER TABLE "VirtualService" ADD COLUMN "forwardingMethod" "ForwardingMethod" NOT NULL DEFAULT 'route';

UPDATE "VirtualService" v SET "forwardingMethod" = COALESCE(
  (SELECT r."forwardingMethod" FROM "RealServer" r WHERE r."virtualServiceId" = v."id"
     GROUP BY r."forwardingMethod" ORDER BY count(*) DESC, r."forwardingMethod"::text LIMIT 1),
  (SELECT c."defaultForwardingMethod" FROM "Cluster" c WHERE c."id" = v."clusterId"));
