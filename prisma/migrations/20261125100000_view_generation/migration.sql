-- The view generation: one counter that every committed change to what the cached console pages
-- show moves forward (lib/view-cache). A panel instance serves a cached page only while the
-- generation it was rendered at is still the current one, so a page is never older than the
-- database, whichever instance, worker or CLI made the change.
CREATE TABLE "ViewGeneration" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "n" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ViewGeneration_pkey" PRIMARY KEY ("id")
);

INSERT INTO "ViewGeneration" ("id", "n") VALUES (1, 0);

-- Once per transaction, at commit (deferred constraint triggers): the counter row is locked only
-- for the commit itself, not for a long transaction's lifetime, and the new number becomes visible
-- in the same instant as the change it stands for.
CREATE FUNCTION lvsp_bump_view_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('lvsp.view_bumped', true) IS DISTINCT FROM 'yes' THEN
    PERFORM set_config('lvsp.view_bumped', 'yes', true);
    UPDATE "ViewGeneration" SET "n" = "n" + 1 WHERE "id" = 1;
  END IF;
  RETURN NULL;
END $$;

-- TRUNCATE fires no row trigger; it bumps at once (it holds its table lock until commit anyway).
CREATE FUNCTION lvsp_bump_view_generation_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ViewGeneration" SET "n" = "n" + 1 WHERE "id" = 1;
  RETURN NULL;
END $$;

-- What the cached pages render: every change counts.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['User', 'Cluster', 'Host', 'SshKey', 'VirtualService', 'RealServer', 'ApplyRun'] LOOP
    EXECUTE format('CREATE CONSTRAINT TRIGGER lvsp_view_generation AFTER INSERT OR UPDATE OR DELETE ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lvsp_bump_view_generation()', t);
    EXECUTE format('CREATE TRIGGER lvsp_view_generation_truncate AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION lvsp_bump_view_generation_now()', t);
  END LOOP;
END $$;

-- The worker's facts behind the health badge: a new row, a removed row or a changed verdict counts;
-- the heartbeat columns (checkedAt, lastCheckedAt, probedAt, latencies, streak counters) do not, or
-- every check round would throw the cache away. Staleness by age is the cache key's time bucket.
DO $$
DECLARE t text;
DECLARE col text;
BEGIN
  FOREACH t IN ARRAY ARRAY['HostStatus:reachable', 'HealthState:status', 'RealServerProbe:ready'] LOOP
    col := split_part(t, ':', 2);
    t := split_part(t, ':', 1);
    EXECUTE format('CREATE CONSTRAINT TRIGGER lvsp_view_generation AFTER INSERT OR DELETE ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lvsp_bump_view_generation()', t);
    EXECUTE format('CREATE CONSTRAINT TRIGGER lvsp_view_generation_verdict AFTER UPDATE ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.%I IS DISTINCT FROM NEW.%I) EXECUTE FUNCTION lvsp_bump_view_generation()', t, col, col);
    EXECUTE format('CREATE TRIGGER lvsp_view_generation_truncate AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION lvsp_bump_view_generation_now()', t);
  END LOOP;
END $$;
