"use strict";
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
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.timestampMs = exports.timestampFromMs = exports.timestampFromDate = exports.timestampDate = exports.anyUnpack = exports.anyPack = exports.anyIs = exports.toJsonString = exports.toJson = exports.toBinary = exports.fromJsonString = exports.fromJson = exports.fromBinary = exports.equals = exports.create = exports.clone = exports.rpc = exports.CONTRACT_VERSION = exports.tlsFromDir = exports.partitionOfId = exports.partitionOf = exports.blake2b64 = exports.fromGrpcError = exports.Unavailable = exports.Unauthenticated = exports.ResourceExhausted = exports.PermissionDenied = exports.NotFound = exports.InvalidArgument = exports.Internal = exports.FailedPrecondition = exports.DeadlineExceeded = exports.Cancelled = exports.AuthcoreError = exports.AlreadyExists = exports.Aborted = exports.isRetryable = exports.NO_RETRIES = exports.MAX_ROUTES = exports.MAX_MESSAGE_BYTES = exports.DEFAULT_TIMEOUT_MS = exports.DEFAULT_RETRIES = exports.AuthcoreClient = void 0;
var client_js_1 = require("./client.js");
Object.defineProperty(exports, "AuthcoreClient", { enumerable: true, get: function () { return client_js_1.AuthcoreClient; } });
Object.defineProperty(exports, "DEFAULT_RETRIES", { enumerable: true, get: function () { return client_js_1.DEFAULT_RETRIES; } });
Object.defineProperty(exports, "DEFAULT_TIMEOUT_MS", { enumerable: true, get: function () { return client_js_1.DEFAULT_TIMEOUT_MS; } });
Object.defineProperty(exports, "MAX_MESSAGE_BYTES", { enumerable: true, get: function () { return client_js_1.MAX_MESSAGE_BYTES; } });
Object.defineProperty(exports, "MAX_ROUTES", { enumerable: true, get: function () { return client_js_1.MAX_ROUTES; } });
Object.defineProperty(exports, "NO_RETRIES", { enumerable: true, get: function () { return client_js_1.NO_RETRIES; } });
Object.defineProperty(exports, "isRetryable", { enumerable: true, get: function () { return client_js_1.isRetryable; } });
var errors_js_1 = require("./errors.js");
Object.defineProperty(exports, "Aborted", { enumerable: true, get: function () { return errors_js_1.Aborted; } });
Object.defineProperty(exports, "AlreadyExists", { enumerable: true, get: function () { return errors_js_1.AlreadyExists; } });
Object.defineProperty(exports, "AuthcoreError", { enumerable: true, get: function () { return errors_js_1.AuthcoreError; } });
Object.defineProperty(exports, "Cancelled", { enumerable: true, get: function () { return errors_js_1.Cancelled; } });
Object.defineProperty(exports, "DeadlineExceeded", { enumerable: true, get: function () { return errors_js_1.DeadlineExceeded; } });
Object.defineProperty(exports, "FailedPrecondition", { enumerable: true, get: function () { return errors_js_1.FailedPrecondition; } });
Object.defineProperty(exports, "Internal", { enumerable: true, get: function () { return errors_js_1.Internal; } });
Object.defineProperty(exports, "InvalidArgument", { enumerable: true, get: function () { return errors_js_1.InvalidArgument; } });
Object.defineProperty(exports, "NotFound", { enumerable: true, get: function () { return errors_js_1.NotFound; } });
Object.defineProperty(exports, "PermissionDenied", { enumerable: true, get: function () { return errors_js_1.PermissionDenied; } });
Object.defineProperty(exports, "ResourceExhausted", { enumerable: true, get: function () { return errors_js_1.ResourceExhausted; } });
Object.defineProperty(exports, "Unauthenticated", { enumerable: true, get: function () { return errors_js_1.Unauthenticated; } });
Object.defineProperty(exports, "Unavailable", { enumerable: true, get: function () { return errors_js_1.Unavailable; } });
Object.defineProperty(exports, "fromGrpcError", { enumerable: true, get: function () { return errors_js_1.fromGrpcError; } });
var partition_js_1 = require("./partition.js");
Object.defineProperty(exports, "blake2b64", { enumerable: true, get: function () { return partition_js_1.blake2b64; } });
Object.defineProperty(exports, "partitionOf", { enumerable: true, get: function () { return partition_js_1.partitionOf; } });
Object.defineProperty(exports, "partitionOfId", { enumerable: true, get: function () { return partition_js_1.partitionOfId; } });
var tls_js_1 = require("./tls.js");
Object.defineProperty(exports, "tlsFromDir", { enumerable: true, get: function () { return tls_js_1.tlsFromDir; } });
var version_js_1 = require("./gen/version.js");
Object.defineProperty(exports, "CONTRACT_VERSION", { enumerable: true, get: function () { return version_js_1.CONTRACT_VERSION; } });
// The contract's types: authcore.v1 at the top, google.rpc under `rpc`.
__exportStar(require("./v1.js"), exports);
exports.rpc = __importStar(require("./rpc.js"));
// What a caller needs of the protobuf-es runtime, so it need not depend on it directly.
var protobuf_1 = require("@bufbuild/protobuf");
Object.defineProperty(exports, "clone", { enumerable: true, get: function () { return protobuf_1.clone; } });
Object.defineProperty(exports, "create", { enumerable: true, get: function () { return protobuf_1.create; } });
Object.defineProperty(exports, "equals", { enumerable: true, get: function () { return protobuf_1.equals; } });
Object.defineProperty(exports, "fromBinary", { enumerable: true, get: function () { return protobuf_1.fromBinary; } });
Object.defineProperty(exports, "fromJson", { enumerable: true, get: function () { return protobuf_1.fromJson; } });
Object.defineProperty(exports, "fromJsonString", { enumerable: true, get: function () { return protobuf_1.fromJsonString; } });
Object.defineProperty(exports, "toBinary", { enumerable: true, get: function () { return protobuf_1.toBinary; } });
Object.defineProperty(exports, "toJson", { enumerable: true, get: function () { return protobuf_1.toJson; } });
Object.defineProperty(exports, "toJsonString", { enumerable: true, get: function () { return protobuf_1.toJsonString; } });
var wkt_1 = require("@bufbuild/protobuf/wkt");
Object.defineProperty(exports, "anyIs", { enumerable: true, get: function () { return wkt_1.anyIs; } });
Object.defineProperty(exports, "anyPack", { enumerable: true, get: function () { return wkt_1.anyPack; } });
Object.defineProperty(exports, "anyUnpack", { enumerable: true, get: function () { return wkt_1.anyUnpack; } });
Object.defineProperty(exports, "timestampDate", { enumerable: true, get: function () { return wkt_1.timestampDate; } });
Object.defineProperty(exports, "timestampFromDate", { enumerable: true, get: function () { return wkt_1.timestampFromDate; } });
Object.defineProperty(exports, "timestampFromMs", { enumerable: true, get: function () { return wkt_1.timestampFromMs; } });
Object.defineProperty(exports, "timestampMs", { enumerable: true, get: function () { return wkt_1.timestampMs; } });
