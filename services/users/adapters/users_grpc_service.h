// The users service's gRPC face: proto <-> domain conversion around UserAccounts, on the callback API.
#pragma once

#include "domain/sign_in.h"
#include "domain/user_accounts.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::users {

class UsersGrpcService final : public v1::UsersService::CallbackService {
 public:
  // Without `signIn` the auth methods (Register … UpdateMe) answer UNIMPLEMENTED.
  UsersGrpcService(UserAccounts& accounts, WorkPool& pool, SignIn* signIn = nullptr)
      : accounts_(accounts), pool_(pool), signIn_(signIn) {}

  grpc::ServerUnaryReactor* CreateUser(grpc::CallbackServerContext* context, const v1::CreateUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context, const v1::GetUserRequest* request,
                                    v1::User* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* context, const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateUser(grpc::CallbackServerContext* context, const v1::UpdateUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* DeleteUser(grpc::CallbackServerContext* context, const v1::DeleteUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* ResetPassword(grpc::CallbackServerContext* context,
                                          const v1::ResetPasswordRequest* request,
                                          v1::ResetPasswordResponse* response) override;
  grpc::ServerUnaryReactor* ListUserAudit(grpc::CallbackServerContext* context,
                                          const common::v1::ListAuditRequest* request,
                                          common::v1::ListAuditResponse* response) override;

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context, const v1::RegisterRequest* request,
                                     v1::User* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context, const v1::LoginRequest* request,
                                  v1::Session* response) override;
  grpc::ServerUnaryReactor* Refresh(grpc::CallbackServerContext* context, const v1::RefreshRequest* request,
                                    v1::Session* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context, const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* GetMe(grpc::CallbackServerContext* context, const v1::GetMeRequest* request,
                                  v1::User* response) override;
  grpc::ServerUnaryReactor* UpdateMe(grpc::CallbackServerContext* context, const v1::UpdateMeRequest* request,
                                     v1::User* response) override;

 private:
  UserAccounts& accounts_;
  WorkPool& pool_;
  SignIn* signIn_;
};

// Metadata the gateway sets with the client's IP address, for per-address login throttling.
inline constexpr const char* kClientAddressKey = "fleetdeck-client-address";

// Never copies the password hash: it does not leave the service.
void toProto(const User& user, v1::User& out);

}  // namespace fleetdeck::users
