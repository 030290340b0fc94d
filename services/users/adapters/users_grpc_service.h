// The users service's gRPC face: proto <-> domain conversion around UserAccounts, served by rpc::RpcServer's
// completion-queue threads.
#pragma once

#include "domain/sign_in.h"
#include "domain/user_accounts.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::users {

class UsersGrpcService final {
 public:
  // Without `signIn` the auth methods (Register … UpdateMe) answer UNIMPLEMENTED.
  UsersGrpcService(UserAccounts& accounts, WorkPool& pool, SignIn* signIn = nullptr)
      : accounts_(accounts), pool_(pool), signIn_(signIn) {}

  rpc::Handled CreateUser(rpc::ServerCall* call, const v1::CreateUserRequest* request, v1::User* response);
  rpc::Handled GetUser(rpc::ServerCall* call, const v1::GetUserRequest* request, v1::User* response);
  rpc::Handled ListUsers(rpc::ServerCall* call, const v1::ListUsersRequest* request, v1::ListUsersResponse* response);
  rpc::Handled UpdateUser(rpc::ServerCall* call, const v1::UpdateUserRequest* request, v1::User* response);
  rpc::Handled DeleteUser(rpc::ServerCall* call, const v1::DeleteUserRequest* request, v1::User* response);
  rpc::Handled ResetPassword(rpc::ServerCall* call, const v1::ResetPasswordRequest* request,
                             v1::ResetPasswordResponse* response);
  rpc::Handled ListUserAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                             common::v1::ListAuditResponse* response);

  rpc::Handled Register(rpc::ServerCall* call, const v1::RegisterRequest* request, v1::User* response);
  rpc::Handled Login(rpc::ServerCall* call, const v1::LoginRequest* request, v1::Session* response);
  rpc::Handled Refresh(rpc::ServerCall* call, const v1::RefreshRequest* request, v1::Session* response);
  rpc::Handled Logout(rpc::ServerCall* call, const v1::LogoutRequest* request, v1::LogoutResponse* response);
  rpc::Handled GetMe(rpc::ServerCall* call, const v1::GetMeRequest* request, v1::User* response);
  rpc::Handled UpdateMe(rpc::ServerCall* call, const v1::UpdateMeRequest* request, v1::User* response);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::UsersService::AsyncService async_;
  UserAccounts& accounts_;
  WorkPool& pool_;
  SignIn* signIn_;
};

// Metadata the gateway sets with the client's IP address, for per-address login throttling.
inline constexpr const char* kClientAddressKey = "fleetdeck-client-address";

// Never copies the password hash: it does not leave the service.
void toProto(const User& user, v1::User& out);

}  // namespace fleetdeck::users
