#include "adapters/refresh_tokens_sql.h"

namespace fleetdeck::users {

void lockTokensOf(pqxx::work& transaction, const std::string& userId) {
  transaction.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('refresh_tokens:' || $1::uuid::text, 0))",
                          userId);
}

void revokeAllTokensOf(pqxx::work& transaction, const std::string& userId) {
  lockTokensOf(transaction, userId);
  transaction.exec_params("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                          userId);
}

}  // namespace fleetdeck::users
