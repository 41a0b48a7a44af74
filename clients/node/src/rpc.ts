// google.rpc: Status and the error details (ErrorInfo, BadRequest, RetryInfo, ...) an error carries.
export * from "./gen/google/rpc/error_details_pb.js";
export * from "./gen/google/rpc/status_pb.js";
