// SQL on the users database's refresh_tokens table shared by the session store and the user
// repository: ending a user's sessions inside the transaction that changes the user.
#pragma once

#include <pqxx/pqxx>
#include <string>

namespace fleetdeck::users {

// Every change to a user's refresh tokens (issue, rotate, revoke) runs under this transaction-scoped
// lock, taken in a statement of its own so that the statements after it read a snapshot taken after
// it was granted. Without it a revocation raced a rotation: the revoking UPDATE's snapshot, taken
// before the rotation committed, did not contain the token the rotation was issuing, so that token
// outlived a password change or a detected reuse. Row locks alone cannot close that: the new row is
// not there to be locked yet.
void lockTokensOf(pqxx::work& transaction, const std::string& userId);

// Revokes every live refresh token of the user (after lockTokensOf): no session of theirs can be
// refreshed once the transaction commits.
void revokeAllTokensOf(pqxx::work& transaction, const std::string& userId);

// Deletes the user's unrevoked tokens that expired more than a day ago (after lockTokensOf). Each
// refresh adds a row; without this a session kept one per refresh for ever. Until then a used token
// presented again still counts as a reuse and revokes its family; after, it is unknown. Revocations
// leave used and expired tokens unrevoked so that this finds them.
void pruneExpiredTokensOf(pqxx::work& transaction, const std::string& userId);

}  // namespace fleetdeck::users
