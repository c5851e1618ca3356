-- CreateIndex
CREATE INDEX "LoginAttempt_windowStart_idx" ON "LoginAttempt"("windowStart");

-- Webhook URLs often carry the receiver's secret: audit lines written before keep only scheme, host and port
-- (as lib/notify/manage.ts redactUrl writes them now); test results keep only whether they were delivered.
UPDATE "AuditEvent"
SET "after" = jsonb_set("after", '{url}', to_jsonb(regexp_replace("after"->>'url', '^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@]*@)?([^/?#]*).*$', '\1\3/…')))
WHERE "action" LIKE 'webhook.%' AND jsonb_typeof("after") = 'object' AND "after" ? 'url';

UPDATE "AuditEvent"
SET "after" = jsonb_build_object('delivered', COALESCE("after"->'ok', 'false'::jsonb))
WHERE "action" = 'webhook.test' AND jsonb_typeof("after") = 'object' AND NOT ("after" ? 'delivered');
