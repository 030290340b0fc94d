#include "adapters/refresh_tokens_sql.h"

namespace fleetdeck::users {

void lockTokensOf(pqxx::work& transaction, const std::string& userId) {
  transaction.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('refresh_tokens:' || $1::uuid::text, 0))",
                          userId);
}

void revokeAllTokensOf(pqxx::work& transaction, const std::string& userId) {
  lockTokensOf(transaction, userId);
  // Used and expired tokens cannot be refreshed anyway (a used one presented again still revokes its
  // family): only the live ones need the write. Left unrevoked, the others stay in the partial index
  // by user (revoked_at IS NULL) that pruneExpiredTokensOf deletes them through.
  transaction.exec_params(
      "UPDATE refresh_tokens SET revoked_at = now()"
      " WHERE user_id = $1 AND expires_at > now() AND revoked_at IS NULL AND used_at IS NULL",
      userId);
}

void pruneExpiredTokensOf(pqxx::work& transaction, const std::string& userId) {
  // Through refresh_tokens_user_idx (user_id, partial: revoked_at IS NULL): the rows that pile up are
  // the used ones, one per refresh, never revoked. Revoked ones (one per ended sign-in) stay.
  transaction.exec_params(
      "DELETE FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at < now() - interval '1 day'",
      userId);
}

}  // namespace fleetdeck::users
