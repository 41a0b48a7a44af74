// The errors a call to authcore ends in, decoded from the call's google.rpc.Status (the
// grpc-status-details-bin trailer) with the generated google.rpc types.
//
// A declined payment is not an error: it is an answer (AuthorizeResponse.decision).

import { createRegistry, fromBinary, isMessage, type Message } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";
import {
  BadRequestSchema,
  DebugInfoSchema,
  ErrorInfoSchema,
  HelpSchema,
  LocalizedMessageSchema,
  PreconditionFailureSchema,
  QuotaFailureSchema,
  RequestInfoSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
  type ErrorInfo,
  type RetryInfo,
} from "./gen/google/rpc/error_details_pb.js";
import { StatusSchema, type Status } from "./gen/google/rpc/status_pb.js";

/** The google.rpc details this client decodes; any other detail stays (packed) in `status`. */
export const DETAIL_REGISTRY = createRegistry(
  ErrorInfoSchema,
  BadRequestSchema,
  RetryInfoSchema,
  QuotaFailureSchema,
  PreconditionFailureSchema,
  ResourceInfoSchema,
  HelpSchema,
  LocalizedMessageSchema,
  RequestInfoSchema,
  DebugInfoSchema,
);

/** One field of the request and what is wrong with it ("" is the request as a whole). */
export interface FieldViolation {
  field: string;
  description: string;
}

export interface QuotaViolation {
  subject: string;
  description: string;
}

export interface PreconditionViolation {
  type: string;
  subject: string;
  description: string;
}

/** What a failed call carried, besides its code and message. */
export interface ErrorContext {
  /** The decoded google.rpc.Status of the grpc-status-details-bin trailer, when there was one. */
  status?: Status | undefined;
  /** The request's idempotency key ("" when it has none): retry with it to act at most once. */
  requestId?: string;
  /** What to check, when the client can tell more than the status says. */
  hint?: string;
  /** The call's trailing metadata. */
  trailers?: Metadata | undefined;
}

/**
 * A call that did not succeed. `code` is the gRPC status code (grpc.status, e.g. 3), `codeName`
 * its name ("INVALID_ARGUMENT"); `message` reads "CODE: the server's message (hint)" and
 * `statusMessage` is the server's message alone; `reason` is the machine-readable reason
 * (ErrorInfo.reason, e.g. "REQUEST_ID_REUSED", "OVERLOADED", "ACCOUNT_NOT_FOUND"; the code's name
 * when the server gave none). The rest is read from the details the server sent.
 */
export class AuthcoreError extends Error {
  readonly code: GrpcStatus;
  readonly codeName: string;
  readonly statusMessage: string;
  readonly requestId: string;
  readonly hint: string;
  reason: string;
  domain = "";
  /** ErrorInfo.metadata: e.g. the account or field the reason is about. */
  metadata: Record<string, string> = {};
  errorInfo: ErrorInfo | undefined = undefined;
  fieldViolations: FieldViolation[] = [];
  retryInfo: RetryInfo | undefined = undefined;
  /** RetryInfo.retry_delay in milliseconds: when to come back (RESOURCE_EXHAUSTED). */
  retryAfterMs: number | undefined = undefined;
  quotaViolations: QuotaViolation[] = [];
  preconditionViolations: PreconditionViolation[] = [];
  /** ResourceInfo: what was not found. */
  resource: { type: string; name: string } | undefined = undefined;
  /** LocalizedMessage by locale ("en", "zh-CN"). */
  localized: Record<string, string> = {};
  help: { description: string; url: string }[] = [];
  /** The decoded google.rpc.Status, when the server sent one. */
  readonly status: Status | undefined;
  /** Every detail of the status that this client knows, decoded (ErrorInfo, BadRequest, ...). */
  readonly details: Message[] = [];
  readonly trailers: Metadata | undefined;

  constructor(code: GrpcStatus, statusMessage: string, context: ErrorContext = {}) {
    const codeName = GrpcStatus[code] ?? `CODE_${code}`;
    const hint = context.hint ?? "";
    super(`${codeName}: ${statusMessage}` + (hint ? ` (${hint})` : ""));
    this.name = new.target.name;
    this.code = code;
    this.codeName = codeName;
    this.statusMessage = statusMessage;
    this.requestId = context.requestId ?? "";
    this.hint = hint;
    this.reason = codeName;
    this.status = context.status;
    this.trailers = context.trailers;
    for (const any of context.status?.details ?? []) {
      let detail: Message | undefined;
      try {
        detail = anyUnpack(any, DETAIL_REGISTRY);
      } catch {
        detail = undefined; // a detail that does not decode: the status keeps it
      }
      if (detail !== undefined) {
        this.details.push(detail);
        this.read(detail);
      }
    }
  }

  private read(detail: Message): void {
    if (isMessage(detail, ErrorInfoSchema)) {
      this.errorInfo = detail;
      this.reason = detail.reason || this.reason;
      this.domain = detail.domain;
      this.metadata = { ...detail.metadata };
    } else if (isMessage(detail, BadRequestSchema)) {
      this.fieldViolations = detail.fieldViolations.map((v) => ({ field: v.field, description: v.description }));
    } else if (isMessage(detail, RetryInfoSchema)) {
      this.retryInfo = detail;
      const delay = detail.retryDelay;
      this.retryAfterMs = delay === undefined ? undefined : Number(delay.seconds) * 1000 + delay.nanos / 1e6;
    } else if (isMessage(detail, QuotaFailureSchema)) {
      this.quotaViolations = detail.violations.map((v) => ({ subject: v.subject, description: v.description }));
    } else if (isMessage(detail, PreconditionFailureSchema)) {
      this.preconditionViolations = detail.violations.map((v) => ({
        type: v.type, subject: v.subject, description: v.description,
      }));
    } else if (isMessage(detail, ResourceInfoSchema)) {
      this.resource = { type: detail.resourceType, name: detail.resourceName };
    } else if (isMessage(detail, LocalizedMessageSchema)) {
      this.localized[detail.locale] = detail.message;
    } else if (isMessage(detail, HelpSchema)) {
      this.help.push(...detail.links.map((l) => ({ description: l.description, url: l.url })));
    }
  }
}

/** The request is wrong (fieldViolations says where); nothing changed. Fix it, do not retry. */
export class InvalidArgument extends AuthcoreError {}
/** The account, authorization or version named does not exist (resource names it). */
export class NotFound extends AuthcoreError {}
/** The request_id was used before for a different request (reason REQUEST_ID_REUSED). */
export class AlreadyExists extends AuthcoreError {}
/** Valid, but the state forbids it: an expired hold, a refund above the capture, ... */
export class FailedPrecondition extends AuthcoreError {}
/** Another call is serving the same request_id right now: retry with the same id. */
export class Aborted extends AuthcoreError {}
/** The caller's identity may not do this (another channel's payment, AdminService). */
export class PermissionDenied extends AuthcoreError {}
/** No usable client certificate. */
export class Unauthenticated extends AuthcoreError {}
/** The server is at a limit (OVERLOADED, RATE_LIMITED, ...); retryAfterMs says when to come back. */
export class ResourceExhausted extends AuthcoreError {}
/** The deadline passed. An Authorize may or may not have been decided: retry with the same requestId. */
export class DeadlineExceeded extends AuthcoreError {}
/** The server could not be reached or could not write its journal (after the client's retries). */
export class Unavailable extends AuthcoreError {}
/** The call was cancelled before it was answered. */
export class Cancelled extends AuthcoreError {}
/** A server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED). */
export class Internal extends AuthcoreError {}

const BY_CODE: Partial<Record<GrpcStatus, typeof AuthcoreError>> = {
  [GrpcStatus.INVALID_ARGUMENT]: InvalidArgument,
  [GrpcStatus.OUT_OF_RANGE]: InvalidArgument,
  [GrpcStatus.NOT_FOUND]: NotFound,
  [GrpcStatus.ALREADY_EXISTS]: AlreadyExists,
  [GrpcStatus.FAILED_PRECONDITION]: FailedPrecondition,
  [GrpcStatus.ABORTED]: Aborted,
  [GrpcStatus.PERMISSION_DENIED]: PermissionDenied,
  [GrpcStatus.UNAUTHENTICATED]: Unauthenticated,
  [GrpcStatus.RESOURCE_EXHAUSTED]: ResourceExhausted,
  [GrpcStatus.DEADLINE_EXCEEDED]: DeadlineExceeded,
  [GrpcStatus.UNAVAILABLE]: Unavailable,
  [GrpcStatus.CANCELLED]: Cancelled,
};

// A plaintext channel to a server that serves TLS fails its handshake, and grpc says no more than
// "Connection dropped" or "Protocol error": the hint says what to try.
export const TLS_HINT =
  "the server may require TLS: connect with { tls: tlsFromDir(CERTS_DIR, IDENTITY) }, or check the target";
export const REFUSED_HINT = "nothing listens there: check that the server runs and the target's host and port";
export const HANDSHAKE_HINT =
  "the TLS handshake failed: check that the server serves TLS, that ca.pem signed its certificate and that the " +
  "certificate names the target's host (or set tls.serverName)";

/**
 * What to check after a call that failed before reaching authcore: UNAVAILABLE without the
 * details authcore sends with its own UNAVAILABLE (JOURNAL_UNAVAILABLE).
 */
export function connectionHint(code: GrpcStatus, message: string, status: Status | undefined, plaintext: boolean): string {
  if (code !== GrpcStatus.UNAVAILABLE || status !== undefined) {
    return "";
  }
  if (/ECONNREFUSED|Connection refused/i.test(message)) {
    return REFUSED_HINT;
  }
  if (plaintext) {
    return TLS_HINT;
  }
  return /SSL|TLS|certificate|handshake|self[- ]signed|altnames|Hostname/i.test(message) ? HANDSHAKE_HINT : "";
}

/** The google.rpc.Status of a call's trailers, when it sent one that agrees with its code. */
export function statusOf(code: GrpcStatus, trailers: Metadata | undefined): Status | undefined {
  const raw = trailers?.get("grpc-status-details-bin")[0];
  if (raw === undefined || typeof raw === "string") {
    return undefined;
  }
  try {
    const status = fromBinary(StatusSchema, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    return status.code === code ? status : undefined; // one that disagrees: the call's code and message stand
  } catch {
    return undefined;
  }
}

/** The shape of @grpc/grpc-js's ServiceError that this module reads. */
export interface GrpcErrorLike {
  code?: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

/**
 * The typed error of a failed call (a grpc-js ServiceError). plaintext: the call went over a
 * plaintext channel (an UNAVAILABLE then hints at TLS).
 */
export function fromGrpcError(error: GrpcErrorLike, requestId = "", plaintext = false): AuthcoreError {
  const code: GrpcStatus = typeof error.code === "number" ? error.code : GrpcStatus.UNKNOWN;
  const message = error.details ?? error.message ?? "";
  const status = statusOf(code, error.metadata);
  const Class = BY_CODE[code] ?? Internal;
  return new Class(code, message, {
    status, requestId, hint: connectionHint(code, message, status, plaintext), trailers: error.metadata,
  });
}
