// The users service's gRPC face: proto <-> domain conversion around UserAccounts, on the callback API.
#pragma once

#include "domain/user_accounts.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::users {

class UsersGrpcService final : public v1::UsersService::CallbackService {
 public:
  UsersGrpcService(UserAccounts& accounts, WorkPool& pool) : accounts_(accounts), pool_(pool) {}

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

 private:
  UserAccounts& accounts_;
  WorkPool& pool_;
};

// Never copies the password hash: it does not leave the service.
void toProto(const User& user, v1::User& out);

}  // namespace fleetdeck::users
