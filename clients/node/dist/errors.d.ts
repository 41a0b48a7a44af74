import { type Message } from "@bufbuild/protobuf";
import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";
import { type ErrorInfo, type RetryInfo } from "./gen/google/rpc/error_details_pb.js";
import { type Status } from "./gen/google/rpc/status_pb.js";
/** The google.rpc details this client decodes; any other detail stays (packed) in `status`. */
export declare const DETAIL_REGISTRY: import("@bufbuild/protobuf").Registry;
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
export declare class AuthcoreError extends Error {
    readonly code: GrpcStatus;
    readonly codeName: string;
    readonly statusMessage: string;
    readonly requestId: string;
    readonly hint: string;
    reason: string;
    domain: string;
    /** ErrorInfo.metadata: e.g. the account or field the reason is about. */
    metadata: Record<string, string>;
    errorInfo: ErrorInfo | undefined;
    fieldViolations: FieldViolation[];
    retryInfo: RetryInfo | undefined;
    /** RetryInfo.retry_delay in milliseconds: when to come back (RESOURCE_EXHAUSTED). */
    retryAfterMs: number | undefined;
    quotaViolations: QuotaViolation[];
    preconditionViolations: PreconditionViolation[];
    /** ResourceInfo: what was not found. */
    resource: {
        type: string;
        name: string;
    } | undefined;
    /** LocalizedMessage by locale ("en", "zh-CN"). */
    localized: Record<string, string>;
    help: {
        description: string;
        url: string;
    }[];
    /** The decoded google.rpc.Status, when the server sent one. */
    readonly status: Status | undefined;
    /** Every detail of the status that this client knows, decoded (ErrorInfo, BadRequest, ...). */
    readonly details: Message[];
    readonly trailers: Metadata | undefined;
    constructor(code: GrpcStatus, statusMessage: string, context?: ErrorContext);
    private read;
}
/** The request is wrong (fieldViolations says where); nothing changed. Fix it, do not retry. */
export declare class InvalidArgument extends AuthcoreError {
}
/** The account, authorization or version named does not exist (resource names it). */
export declare class NotFound extends AuthcoreError {
}
/** The request_id was used before for a different request (reason REQUEST_ID_REUSED). */
export declare class AlreadyExists extends AuthcoreError {
}
/** Valid, but the state forbids it: an expired hold, a refund above the capture, ... */
export declare class FailedPrecondition extends AuthcoreError {
}
/** Another call is serving the same request_id right now: retry with the same id. */
export declare class Aborted extends AuthcoreError {
}
/** The caller's identity may not do this (another channel's payment, AdminService). */
export declare class PermissionDenied extends AuthcoreError {
}
/** No usable client certificate. */
export declare class Unauthenticated extends AuthcoreError {
}
/** The server is at a limit (OVERLOADED, RATE_LIMITED, ...); retryAfterMs says when to come back. */
export declare class ResourceExhausted extends AuthcoreError {
}
/** The deadline passed. An Authorize may or may not have been decided: retry with the same requestId. */
export declare class DeadlineExceeded extends AuthcoreError {
}
/** The server could not be reached or could not write its journal (after the client's retries). */
export declare class Unavailable extends AuthcoreError {
}
/** The call was cancelled before it was answered. */
export declare class Cancelled extends AuthcoreError {
}
/** A server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED). */
export declare class Internal extends AuthcoreError {
}
export declare const TLS_HINT = "the server may require TLS: connect with { tls: tlsFromDir(CERTS_DIR, IDENTITY) }, or check the target";
export declare const REFUSED_HINT = "nothing listens there: check that the server runs and the target's host and port";
export declare const HANDSHAKE_HINT: string;
/**
 * What to check after a call that failed before reaching authcore: UNAVAILABLE without the
 * details authcore sends with its own UNAVAILABLE (JOURNAL_UNAVAILABLE).
 */
export declare function connectionHint(code: GrpcStatus, message: string, status: Status | undefined, plaintext: boolean): string;
/** The google.rpc.Status of a call's trailers, when it sent one that agrees with its code. */
export declare function statusOf(code: GrpcStatus, trailers: Metadata | undefined): Status | undefined;
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
export declare function fromGrpcError(error: GrpcErrorLike, requestId?: string, plaintext?: boolean): AuthcoreError;
