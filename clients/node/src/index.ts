// authcore-client: the typed Node.js client of authcore.
//
//   import { AuthcoreClient, Channel, Decision, tlsFromDir } from "authcore-client";
//
//   const client = new AuthcoreClient("127.0.0.1:50051");  // { tls: tlsFromDir("certs", "wallet") }
//   const answer = await client.authorize({ accountId: "acct-1", channel: Channel.WALLET,
//                                           amountMinor: 12345n, currency: "CNY" });
//   Decision[answer.decision];                             // "APPROVED"
//
// Messages are protobuf-es v2 plain objects: int64 fields (every *_minor amount) are bigint.

export {
  AuthcoreClient,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_MESSAGE_BYTES,
  MAX_ROUTES,
  NO_RETRIES,
  isRetryable,
  type CallOptions,
  type ClientOptions,
  type RetryOptions,
  type ServiceClient,
  type UnaryMethod,
} from "./client.js";
export {
  Aborted,
  AlreadyExists,
  AuthcoreError,
  Cancelled,
  DeadlineExceeded,
  FailedPrecondition,
  Internal,
  InvalidArgument,
  NotFound,
  PermissionDenied,
  ResourceExhausted,
  Unauthenticated,
  Unavailable,
  fromGrpcError,
  type ErrorContext,
  type FieldViolation,
  type PreconditionViolation,
  type QuotaViolation,
} from "./errors.js";
export { blake2b64, partitionOf, partitionOfId } from "./partition.js";
export { tlsFromDir, type TlsOptions } from "./tls.js";
export { CONTRACT_VERSION } from "./gen/version.js";

// The contract's types: authcore.v1 at the top, google.rpc under `rpc`.
export * from "./v1.js";
export * as rpc from "./rpc.js";

// What a caller needs of the protobuf-es runtime, so it need not depend on it directly.
export {
  clone,
  create,
  equals,
  fromBinary,
  fromJson,
  fromJsonString,
  toBinary,
  toJson,
  toJsonString,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
export {
  anyIs,
  anyPack,
  anyUnpack,
  timestampDate,
  timestampFromDate,
  timestampFromMs,
  timestampMs,
  type Any,
  type Duration,
  type Timestamp,
} from "@bufbuild/protobuf/wkt";
