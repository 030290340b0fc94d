-- fleetdeck:no-transaction
-- The audit list (fleetdeck/db/audit_log.h, listAudit) filters by resource_id or actor and pages
-- newest first by id (`id < token ORDER BY id DESC`): indexes on (…, occurred_at) found the rows but
-- left every page to sort all of them (every fault change shares one resource_id; an admin actor
-- matches nearly every row). On (…, id) a page is a backward index range scan that stops at its
-- limit. Built concurrently so the table stays writable; each statement is safe to repeat after a
-- failed build (see MigrationRunner, kNoTransactionMarker).
DROP INDEX CONCURRENTLY IF EXISTS audit_log_resource_page_idx;
CREATE INDEX CONCURRENTLY audit_log_resource_page_idx ON audit_log (resource_id, id);
DROP INDEX CONCURRENTLY IF EXISTS audit_log_actor_page_idx;
CREATE INDEX CONCURRENTLY audit_log_actor_page_idx ON audit_log (actor, id);
DROP INDEX CONCURRENTLY IF EXISTS audit_log_resource_idx;
DROP INDEX CONCURRENTLY IF EXISTS audit_log_actor_idx;
