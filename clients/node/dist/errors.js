"use strict";
// The errors a call to authcore ends in, decoded from the call's google.rpc.Status (the
// grpc-status-details-bin trailer) with the generated google.rpc types.
//
// A declined payment is not an error: it is an answer (AuthorizeResponse.decision).
Object.defineProperty(exports, "__esModule", { value: true });
exports.HANDSHAKE_HINT = exports.REFUSED_HINT = exports.TLS_HINT = exports.Internal = exports.Cancelled = exports.Unavailable = exports.DeadlineExceeded = exports.ResourceExhausted = exports.Unauthenticated = exports.PermissionDenied = exports.Aborted = exports.FailedPrecondition = exports.AlreadyExists = exports.NotFound = exports.InvalidArgument = exports.AuthcoreError = exports.DETAIL_REGISTRY = void 0;
exports.connectionHint = connectionHint;
exports.statusOf = statusOf;
exports.fromGrpcError = fromGrpcError;
const protobuf_1 = require("@bufbuild/protobuf");
const wkt_1 = require("@bufbuild/protobuf/wkt");
const grpc_js_1 = require("@grpc/grpc-js");
const error_details_pb_js_1 = require("./gen/google/rpc/error_details_pb.js");
const status_pb_js_1 = require("./gen/google/rpc/status_pb.js");
/** The google.rpc details this client decodes; any other detail stays (packed) in `status`. */
exports.DETAIL_REGISTRY = (0, protobuf_1.createRegistry)(error_details_pb_js_1.ErrorInfoSchema, error_details_pb_js_1.BadRequestSchema, error_details_pb_js_1.RetryInfoSchema, error_details_pb_js_1.QuotaFailureSchema, error_details_pb_js_1.PreconditionFailureSchema, error_details_pb_js_1.ResourceInfoSchema, error_details_pb_js_1.HelpSchema, error_details_pb_js_1.LocalizedMessageSchema, error_details_pb_js_1.RequestInfoSchema, error_details_pb_js_1.DebugInfoSchema);
/**
 * A call that did not succeed. `code` is the gRPC status code (grpc.status, e.g. 3), `codeName`
 * its name ("INVALID_ARGUMENT"); `message` reads "CODE: the server's message (hint)" and
 * `statusMessage` is the server's message alone; `reason` is the machine-readable reason
 * (ErrorInfo.reason, e.g. "REQUEST_ID_REUSED", "OVERLOADED", "ACCOUNT_NOT_FOUND"; the code's name
 * when the server gave none). The rest is read from the details the server sent.
 */
class AuthcoreError extends Error {
    code;
    codeName;
    statusMessage;
    requestId;
    hint;
    reason;
    domain = "";
    /** ErrorInfo.metadata: e.g. the account or field the reason is about. */
    metadata = {};
    errorInfo = undefined;
    fieldViolations = [];
    retryInfo = undefined;
    /** RetryInfo.retry_delay in milliseconds: when to come back (RESOURCE_EXHAUSTED). */
    retryAfterMs = undefined;
    quotaViolations = [];
    preconditionViolations = [];
    /** ResourceInfo: what was not found. */
    resource = undefined;
    /** LocalizedMessage by locale ("en", "zh-CN"). */
    localized = {};
    help = [];
    /** The decoded google.rpc.Status, when the server sent one. */
    status;
    /** Every detail of the status that this client knows, decoded (ErrorInfo, BadRequest, ...). */
    details = [];
    trailers;
    constructor(code, statusMessage, context = {}) {
        const codeName = grpc_js_1.status[code] ?? `CODE_${code}`;
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
            let detail;
            try {
                detail = (0, wkt_1.anyUnpack)(any, exports.DETAIL_REGISTRY);
            }
            catch {
                detail = undefined; // a detail that does not decode: the status keeps it
            }
            if (detail !== undefined) {
                this.details.push(detail);
                this.read(detail);
            }
        }
    }
    read(detail) {
        if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.ErrorInfoSchema)) {
            this.errorInfo = detail;
            this.reason = detail.reason || this.reason;
            this.domain = detail.domain;
            this.metadata = { ...detail.metadata };
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.BadRequestSchema)) {
            this.fieldViolations = detail.fieldViolations.map((v) => ({ field: v.field, description: v.description }));
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.RetryInfoSchema)) {
            this.retryInfo = detail;
            const delay = detail.retryDelay;
            this.retryAfterMs = delay === undefined ? undefined : Number(delay.seconds) * 1000 + delay.nanos / 1e6;
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.QuotaFailureSchema)) {
            this.quotaViolations = detail.violations.map((v) => ({ subject: v.subject, description: v.description }));
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.PreconditionFailureSchema)) {
            this.preconditionViolations = detail.violations.map((v) => ({
                type: v.type, subject: v.subject, description: v.description,
            }));
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.ResourceInfoSchema)) {
            this.resource = { type: detail.resourceType, name: detail.resourceName };
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.LocalizedMessageSchema)) {
            this.localized[detail.locale] = detail.message;
        }
        else if ((0, protobuf_1.isMessage)(detail, error_details_pb_js_1.HelpSchema)) {
            this.help.push(...detail.links.map((l) => ({ description: l.description, url: l.url })));
        }
    }
}
exports.AuthcoreError = AuthcoreError;
/** The request is wrong (fieldViolations says where); nothing changed. Fix it, do not retry. */
class InvalidArgument extends AuthcoreError {
}
exports.InvalidArgument = InvalidArgument;
/** The account, authorization or version named does not exist (resource names it). */
class NotFound extends AuthcoreError {
}
exports.NotFound = NotFound;
/** The request_id was used before for a different request (reason REQUEST_ID_REUSED). */
class AlreadyExists extends AuthcoreError {
}
exports.AlreadyExists = AlreadyExists;
/** Valid, but the state forbids it: an expired hold, a refund above the capture, ... */
class FailedPrecondition extends AuthcoreError {
}
exports.FailedPrecondition = FailedPrecondition;
/** Another call is serving the same request_id right now: retry with the same id. */
class Aborted extends AuthcoreError {
}
exports.Aborted = Aborted;
/** The caller's identity may not do this (another channel's payment, AdminService). */
class PermissionDenied extends AuthcoreError {
}
exports.PermissionDenied = PermissionDenied;
/** No usable client certificate. */
class Unauthenticated extends AuthcoreError {
}
exports.Unauthenticated = Unauthenticated;
/** The server is at a limit (OVERLOADED, RATE_LIMITED, ...); retryAfterMs says when to come back. */
class ResourceExhausted extends AuthcoreError {
}
exports.ResourceExhausted = ResourceExhausted;
/** The deadline passed. An Authorize may or may not have been decided: retry with the same requestId. */
class DeadlineExceeded extends AuthcoreError {
}
exports.DeadlineExceeded = DeadlineExceeded;
/** The server could not be reached or could not write its journal (after the client's retries). */
class Unavailable extends AuthcoreError {
}
exports.Unavailable = Unavailable;
/** The call was cancelled before it was answered. */
class Cancelled extends AuthcoreError {
}
exports.Cancelled = Cancelled;
/** A server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED). */
class Internal extends AuthcoreError {
}
exports.Internal = Internal;
const BY_CODE = {
    [grpc_js_1.status.INVALID_ARGUMENT]: InvalidArgument,
    [grpc_js_1.status.OUT_OF_RANGE]: InvalidArgument,
    [grpc_js_1.status.NOT_FOUND]: NotFound,
    [grpc_js_1.status.ALREADY_EXISTS]: AlreadyExists,
    [grpc_js_1.status.FAILED_PRECONDITION]: FailedPrecondition,
    [grpc_js_1.status.ABORTED]: Aborted,
    [grpc_js_1.status.PERMISSION_DENIED]: PermissionDenied,
    [grpc_js_1.status.UNAUTHENTICATED]: Unauthenticated,
    [grpc_js_1.status.RESOURCE_EXHAUSTED]: ResourceExhausted,
    [grpc_js_1.status.DEADLINE_EXCEEDED]: DeadlineExceeded,
    [grpc_js_1.status.UNAVAILABLE]: Unavailable,
    [grpc_js_1.status.CANCELLED]: Cancelled,
};
// A plaintext channel to a server that serves TLS fails its handshake, and grpc says no more than
// "Connection dropped" or "Protocol error": the hint says what to try.
exports.TLS_HINT = "the server may require TLS: connect with { tls: tlsFromDir(CERTS_DIR, IDENTITY) }, or check the target";
exports.REFUSED_HINT = "nothing listens there: check that the server runs and the target's host and port";
exports.HANDSHAKE_HINT = "the TLS handshake failed: check that the server serves TLS, that ca.pem signed its certificate and that the " +
    "certificate names the target's host (or set tls.serverName)";
/**
 * What to check after a call that failed before reaching authcore: UNAVAILABLE without the
 * details authcore sends with its own UNAVAILABLE (JOURNAL_UNAVAILABLE).
 */
function connectionHint(code, message, status, plaintext) {
    if (code !== grpc_js_1.status.UNAVAILABLE || status !== undefined) {
        return "";
    }
    if (/ECONNREFUSED|Connection refused/i.test(message)) {
        return exports.REFUSED_HINT;
    }
    if (plaintext) {
        return exports.TLS_HINT;
    }
    return /SSL|TLS|certificate|handshake|self[- ]signed|altnames|Hostname/i.test(message) ? exports.HANDSHAKE_HINT : "";
}
/** The google.rpc.Status of a call's trailers, when it sent one that agrees with its code. */
function statusOf(code, trailers) {
    const raw = trailers?.get("grpc-status-details-bin")[0];
    if (raw === undefined || typeof raw === "string") {
        return undefined;
    }
    try {
        const status = (0, protobuf_1.fromBinary)(status_pb_js_1.StatusSchema, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
        return status.code === code ? status : undefined; // one that disagrees: the call's code and message stand
    }
    catch {
        return undefined;
    }
}
/**
 * The typed error of a failed call (a grpc-js ServiceError). plaintext: the call went over a
 * plaintext channel (an UNAVAILABLE then hints at TLS).
 */
function fromGrpcError(error, requestId = "", plaintext = false) {
    const code = typeof error.code === "number" ? error.code : grpc_js_1.status.UNKNOWN;
    const message = error.details ?? error.message ?? "";
    const status = statusOf(code, error.metadata);
    const Class = BY_CODE[code] ?? Internal;
    return new Class(code, message, {
        status, requestId, hint: connectionHint(code, message, status, plaintext), trailers: error.metadata,
    });
}
