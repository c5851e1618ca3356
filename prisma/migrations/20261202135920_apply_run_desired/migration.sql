-- ApplyRun.plan held the desired state a run was asked for, not a plan: call it "desired" (kept, renamed).
ALTER TABLE "ApplyRun" RENAME COLUMN "plan" TO "desired";

-- Service keys in the one format (lib/ipvs serviceKey): "-t 10.0.0.100:80" -> "TCP 10.0.0.100:80",
-- "-u" UDP, "--sctp-service" SCTP, "-f 3" FWM 3; "managed" is now "owned".
UPDATE "ApplyRun" SET "desired" = ("desired" - 'managed') || jsonb_build_object('owned', (
  SELECT COALESCE(jsonb_agg(CASE
    WHEN k LIKE '-t %' THEN 'TCP ' || substr(k, 4)
    WHEN k LIKE '-u %' THEN 'UDP ' || substr(k, 4)
    WHEN k LIKE '--sctp-service %' THEN 'SCTP ' || substr(k, 16)
    WHEN k LIKE '-f %' THEN 'FWM ' || substr(k, 4)
    ELSE k END ORDER BY n), '[]'::jsonb)
  FROM jsonb_array_elements_text("desired"->'managed') WITH ORDINALITY AS m(k, n)))
WHERE jsonb_typeof("desired") = 'object' AND jsonb_typeof("desired"->'managed') = 'array';

UPDATE "ApplyRun" SET "desired" = jsonb_set("desired", '{remove}', (
  SELECT COALESCE(jsonb_agg(CASE
    WHEN k LIKE '-t %' THEN 'TCP ' || substr(k, 4)
    WHEN k LIKE '-u %' THEN 'UDP ' || substr(k, 4)
    WHEN k LIKE '--sctp-service %' THEN 'SCTP ' || substr(k, 16)
    WHEN k LIKE '-f %' THEN 'FWM ' || substr(k, 4)
    ELSE k END ORDER BY n), '[]'::jsonb)
  FROM jsonb_array_elements_text("desired"->'remove') WITH ORDINALITY AS m(k, n)))
WHERE jsonb_typeof("desired") = 'object' AND jsonb_typeof("desired"->'remove') = 'array';
