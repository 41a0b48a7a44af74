export { AuthcoreClient, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_MESSAGE_BYTES, MAX_ROUTES, NO_RETRIES, isRetryable, type CallOptions, type ClientOptions, type RetryOptions, type ServiceClient, type UnaryMethod, } from "./client.js";
export { Aborted, AlreadyExists, AuthcoreError, Cancelled, DeadlineExceeded, FailedPrecondition, Internal, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable, fromGrpcError, type ErrorContext, type FieldViolation, type PreconditionViolation, type QuotaViolation, } from "./errors.js";
export { blake2b64, partitionOf, partitionOfId } from "./partition.js";
export { tlsFromDir, type TlsOptions } from "./tls.js";
export { CONTRACT_VERSION } from "./gen/version.js";
export * from "./v1.js";
export * as rpc from "./rpc.js";
export { clone, create, equals, fromBinary, fromJson, fromJsonString, toBinary, toJson, toJsonString, type MessageInitShape, type MessageShape, } from "@bufbuild/protobuf";
export { anyIs, anyPack, anyUnpack, timestampDate, timestampFromDate, timestampFromMs, timestampMs, type Any, type Duration, type Timestamp, } from "@bufbuild/protobuf/wkt";
