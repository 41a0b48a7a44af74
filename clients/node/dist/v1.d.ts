export * from "./gen/authcore/v1/account_pb.js";
export * from "./gen/authcore/v1/admin_pb.js";
export * from "./gen/authcore/v1/authorization_pb.js";
export * from "./gen/authcore/v1/common_pb.js";
export * from "./gen/authcore/v1/credit_pb.js";
export * from "./gen/authcore/v1/diagnostics_pb.js";
export * from "./gen/authcore/v1/installment_pb.js";
export * from "./gen/authcore/v1/policy_pb.js";
