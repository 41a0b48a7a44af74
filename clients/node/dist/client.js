"use strict";
// The client: one gRPC channel to an authcore server, every unary method of the contract over
// it, with a deadline on every call, a request_id made where the request has one and it is
// empty, UNAVAILABLE retried (same request_id, bounded backoff) where that is safe, and typed
// errors; with `route: true`, each call about one account or authorization sent straight to its
// partition owner's public address from the cluster's partition map.
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
exports.AuthcoreClient = exports.MAX_ROUTES = exports.NO_RETRIES = exports.DEFAULT_RETRIES = exports.MAX_MESSAGE_BYTES = exports.DEFAULT_TIMEOUT_MS = void 0;
exports.isRetryable = isRetryable;
const node_crypto_1 = require("node:crypto");
const protobuf_1 = require("@bufbuild/protobuf");
const grpc = __importStar(require("@grpc/grpc-js"));
const errors_js_1 = require("./errors.js");
const account_pb_js_1 = require("./gen/authcore/v1/account_pb.js");
const admin_pb_js_1 = require("./gen/authcore/v1/admin_pb.js");
const authorization_pb_js_1 = require("./gen/authcore/v1/authorization_pb.js");
const credit_pb_js_1 = require("./gen/authcore/v1/credit_pb.js");
const diagnostics_pb_js_1 = require("./gen/authcore/v1/diagnostics_pb.js");
const events_pb_js_1 = require("./gen/authcore/v1/events_pb.js");
const installment_pb_js_1 = require("./gen/authcore/v1/installment_pb.js");
const version_js_1 = require("./gen/version.js");
const partition_js_1 = require("./partition.js");
/** The deadline of a call when neither the client nor the call sets one (as the Python client: 2 s). */
exports.DEFAULT_TIMEOUT_MS = 2000;
/** The largest message either way (AuthorizeBulk chunks, model files). */
exports.MAX_MESSAGE_BYTES = 16 << 20;
exports.DEFAULT_RETRIES = Object.freeze({
    maxAttempts: 4,
    initialBackoffMs: 50,
    maxBackoffMs: 1000,
    multiplier: 2,
});
/** No retries at all. */
exports.NO_RETRIES = Object.freeze({ maxAttempts: 1 });
/**
 * Where a request's idempotency keys are: its request_id field (`field`), or a repeated message
 * field whose items each carry one (`items`, as AuthorizeBatch's requests), or neither.
 */
function keysOf(input) {
    const top = input.fields.find((f) => f.name === "request_id" && f.fieldKind === "scalar");
    if (top !== undefined) {
        return { field: top.localName };
    }
    for (const f of input.fields) {
        if (f.fieldKind === "list" && f.listKind === "message") {
            const inner = f.message.fields.find((g) => g.name === "request_id" && g.fieldKind === "scalar");
            if (inner !== undefined) {
                return { items: f.localName, itemField: inner.localName };
            }
        }
    }
    return {};
}
/** Whether a method is retried on UNAVAILABLE: its request carries a request_id. */
function isRetryable(method) {
    const keys = keysOf(method.input);
    return keys.field !== undefined || keys.items !== undefined;
}
/**
 * The read-only methods (as the Python client's): safe to send again, so a routed one is sent once
 * more to the new owner when the owner it had was UNAVAILABLE. They are not retried otherwise.
 */
const READ_ONLY = new Set([
    "AccountService/GetAccount", "AdminService/GetPolicy", "AdminService/GetRiskModel", "AdminService/GetScorecard",
    "AdminService/ListVersions", "AdminService/GetVersion", "AdminService/GetShadowReport",
    "CreditService/AssessCredit", "DiagnosticsService/Echo", "InstallmentService/QuoteInstallments",
    "InstallmentService/GetAutoInstallment", "ClusterService/GetPartitionMap",
]);
/** Channels a routing client keeps open to owners' addresses, at most (a cluster has few nodes). */
exports.MAX_ROUTES = 64;
/** Whether a routing client routes a method: it is safe to send again (request_id or read-only). */
function isRoutable(method) {
    return isRetryable(method) || READ_ONLY.has(`${method.parent.name}/${method.name}`);
}
/**
 * The partition of `partitions` a request's account (its account_id) or else authorization (the
 * tag of its authorization_id) belongs to; undefined for a request that names neither or an
 * authorization id without this layout's tag.
 */
function partitionOfRequest(schema, request, partitions) {
    const fields = request;
    const account = schema.fields.find((f) => f.name === "account_id");
    if (account !== undefined && typeof fields[account.localName] === "string" && fields[account.localName] !== "") {
        return (0, partition_js_1.partitionOf)(fields[account.localName], partitions);
    }
    const authorization = schema.fields.find((f) => f.name === "authorization_id");
    if (authorization !== undefined && typeof fields[authorization.localName] === "string"
        && fields[authorization.localName] !== "") {
        return (0, partition_js_1.partitionOfId)(fields[authorization.localName], partitions);
    }
    return undefined;
}
/** Whether a request names an account or an authorization (the calls a routing client routes). */
function hasPartitionKey(schema, request) {
    const fields = request;
    return schema.fields.some((f) => (f.name === "account_id" || f.name === "authorization_id")
        && typeof fields[f.localName] === "string" && fields[f.localName] !== "");
}
/** The public address of each partition's owner ("" while one has none), by partition. */
function ownersOf(map) {
    const owners = new Array(map.partitions.length).fill("");
    for (const owner of map.partitions) {
        if (owner.partition < owners.length) {
            owners[owner.partition] = owner.address;
        }
    }
    return owners;
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/**
 * A connection to an authcore server.
 *
 *     const client = new AuthcoreClient("127.0.0.1:50051");            // { tls: tlsFromDir("certs", "wallet") }
 *     const answer = await client.authorize({ accountId, channel: Channel.WALLET, amountMinor: 12345n, currency: "CNY" });
 *
 * Every method takes the request as a protobuf-es init object (or a message made by create())
 * and resolves to the typed response message; a failed call rejects with an AuthcoreError.
 * The caller's request is never changed: a request_id is made on a copy, and the error carries it.
 */
class AuthcoreClient {
    /** The gRPC client of the channel (for AuthorizeStream or anything else of grpc-js). */
    grpc;
    target;
    timeoutMs;
    retries;
    /** AdminService: upsertAccount, getPolicy, setPolicy, ... (every unary RPC of it). */
    admin;
    /** DiagnosticsService: echo. */
    diagnostics;
    /** ClusterService: getPartitionMap. */
    cluster;
    /** Whether calls are routed to their partition's owner (options.route). */
    route;
    plaintext;
    metadata;
    credentials;
    channelOptions;
    // The owners' public addresses by partition (the map as last read), and a channel by address.
    owners;
    routes = new Map();
    constructor(target = "127.0.0.1:50051", options = {}) {
        const timeoutMs = options.timeoutMs ?? exports.DEFAULT_TIMEOUT_MS;
        if (!(timeoutMs > 0)) {
            throw new RangeError("timeoutMs must be above 0");
        }
        const given = options.retries ?? {};
        const retries = {
            maxAttempts: given.maxAttempts ?? exports.DEFAULT_RETRIES.maxAttempts,
            initialBackoffMs: given.initialBackoffMs ?? exports.DEFAULT_RETRIES.initialBackoffMs,
            maxBackoffMs: given.maxBackoffMs ?? Math.max(exports.DEFAULT_RETRIES.maxBackoffMs, given.initialBackoffMs ?? 0),
            multiplier: given.multiplier ?? exports.DEFAULT_RETRIES.multiplier,
        };
        if (!(retries.maxAttempts >= 1) || !(retries.initialBackoffMs >= 0) || !(retries.multiplier >= 1)
            || !(retries.maxBackoffMs >= retries.initialBackoffMs)) {
            throw new RangeError("retries: maxAttempts >= 1, initialBackoffMs >= 0, multiplier >= 1, "
                + "maxBackoffMs >= initialBackoffMs");
        }
        retries.maxAttempts = Math.min(Math.floor(retries.maxAttempts), 5);
        this.target = target;
        this.timeoutMs = timeoutMs;
        this.retries = Object.freeze(retries);
        this.metadata = { ...options.metadata };
        const tls = options.tls;
        this.plaintext = tls === undefined;
        const channelOptions = {
            "grpc.max_receive_message_length": exports.MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": exports.MAX_MESSAGE_BYTES,
            "grpc.primary_user_agent": `authcore-client-node/${version_js_1.CONTRACT_VERSION}`,
        };
        if (tls?.serverName) {
            channelOptions["grpc.ssl_target_name_override"] = tls.serverName;
        }
        this.credentials = tls === undefined
            ? grpc.credentials.createInsecure()
            : grpc.credentials.createSsl(Buffer.from(tls.ca), Buffer.from(tls.key), Buffer.from(tls.cert));
        this.channelOptions = { ...channelOptions, ...options.channelOptions };
        this.grpc = new grpc.Client(target, this.credentials, this.channelOptions);
        this.route = options.route ?? false;
        this.admin = this.service(admin_pb_js_1.AdminService);
        this.diagnostics = this.service(diagnostics_pb_js_1.DiagnosticsService);
        this.cluster = this.service(events_pb_js_1.ClusterService);
    }
    /** Every unary RPC of a generated service (authcore.v1) as methods over this client's channel. */
    service(service) {
        const out = {};
        for (const method of service.methods) {
            if (method.methodKind === "unary") {
                out[method.localName] = (request, options) => this.call(method, request, options);
            }
        }
        return out;
    }
    /**
     * Any unary method by its descriptor, e.g. `client.call(AdminService.method.setPolicy, {...})`:
     * a deadline, a request_id made where needed, retries where safe, typed errors.
     */
    async call(method, request, options = {}) {
        const [message, requestId] = this.prepare(method.input, request);
        const bytes = (0, protobuf_1.toBinary)(method.input, message);
        const timeoutMs = options.timeoutMs ?? this.timeoutMs;
        if (!(timeoutMs > 0)) {
            throw new RangeError("timeoutMs must be above 0");
        }
        const deadline = Date.now() + timeoutMs;
        const metadata = new grpc.Metadata();
        for (const [key, value] of Object.entries({ ...this.metadata, ...options.metadata })) {
            metadata.set(key, value);
        }
        const attempts = isRetryable(method) ? this.retries.maxAttempts : 1;
        try {
            if (this.route && isRoutable(method) && hasPartitionKey(method.input, message)) {
                const answer = await this.routed(method, message, bytes, metadata, deadline, attempts);
                if (answer !== undefined) {
                    return answer;
                }
            }
            return await this.attempts(this.grpc, method, bytes, metadata, deadline, attempts);
        }
        catch (error) {
            throw this.failure(error, requestId);
        }
    }
    /**
     * The public address the client sends accountId's calls to (route: true), from the partition
     * map as last read (read now if it has not been); undefined while its partition has no owner.
     */
    async ownerAddress(accountId, options = {}) {
        if (this.owners === undefined) {
            this.owners = ownersOf(await this.partitionMap(options));
        }
        return this.owners.length > 0 ? this.owners[(0, partition_js_1.partitionOf)(accountId, this.owners.length)] || undefined : undefined;
    }
    /**
     * The call sent to its partition's owner (again after reading the map anew, if the owner it had
     * was UNAVAILABLE); undefined for a call that belongs to no partition or whose partition has no
     * owner in the map. Rejects with the gRPC error.
     */
    async routed(method, message, bytes, metadata, deadline, attempts) {
        for (let attempt = 0; attempt < 2; attempt += 1) {
            if (this.owners === undefined || attempt > 0) {
                const request = (0, protobuf_1.toBinary)(events_pb_js_1.GetPartitionMapRequestSchema, (0, protobuf_1.create)(events_pb_js_1.GetPartitionMapRequestSchema));
                this.owners = ownersOf(await this.attempts(this.grpc, events_pb_js_1.ClusterService.method.getPartitionMap, request, metadata, deadline, 1));
            }
            const partition = this.owners.length > 0
                ? partitionOfRequest(method.input, message, this.owners.length) : undefined;
            if (partition === undefined || !this.owners[partition]) {
                return undefined;
            }
            try {
                return await this.attempts(this.routeTo(this.owners[partition]), method, bytes, metadata, deadline, attempts);
            }
            catch (error) {
                if (attempt > 0 || error?.code !== grpc.status.UNAVAILABLE) {
                    throw error;
                }
            }
        }
        return undefined;
    }
    /** The channel to an owner's address, made once and kept (at most MAX_ROUTES, the oldest closed first). */
    routeTo(address) {
        let channel = this.routes.get(address);
        if (channel === undefined) {
            if (this.routes.size >= exports.MAX_ROUTES) {
                const [oldest, client] = this.routes.entries().next().value;
                this.routes.delete(oldest);
                client.close();
            }
            channel = new grpc.Client(address, this.credentials, this.channelOptions);
            this.routes.set(address, channel);
        }
        return channel;
    }
    /**
     * The call on channel, UNAVAILABLE retried up to attempts in all with backoff, within the
     * deadline; rejects with the last gRPC error.
     */
    async attempts(channel, method, bytes, metadata, deadline, attempts) {
        let backoff = this.retries.initialBackoffMs;
        for (let attempt = 1;; attempt += 1) {
            try {
                return await this.once(channel, method, bytes, metadata, deadline);
            }
            catch (error) {
                const grpcError = error;
                const wait = Math.random() * backoff;
                if (grpcError?.code !== grpc.status.UNAVAILABLE || attempt >= attempts || Date.now() + wait >= deadline) {
                    throw grpcError;
                }
                await sleep(wait);
                backoff = Math.min(backoff * this.retries.multiplier, this.retries.maxBackoffMs);
            }
        }
    }
    /**
     * EventService.WatchEvents (admin only): the records of a partition's journal from `fromSeq` on
     * (0n: the first it keeps), then each new one as it is written: responses of up to 256 records,
     * in seq order, every seq once. Resume with fromSeq = the last seq seen + 1n. No deadline unless
     * options.timeoutMs is given; leaving the `for await` loop cancels the call.
     */
    watchEvents(request, options = {}) {
        const method = events_pb_js_1.EventService.method.watchEvents;
        const metadata = new grpc.Metadata();
        for (const [key, value] of Object.entries({ ...this.metadata, ...options.metadata })) {
            metadata.set(key, value);
        }
        const callOptions = options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
        const call = this.grpc.makeServerStreamRequest(`/${events_pb_js_1.EventService.typeName}/${method.name}`, (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), (b) => (0, protobuf_1.fromBinary)(events_pb_js_1.WatchEventsResponseSchema, b), (0, protobuf_1.toBinary)(events_pb_js_1.WatchEventsRequestSchema, (0, protobuf_1.create)(events_pb_js_1.WatchEventsRequestSchema, request)), metadata, callOptions);
        const failure = (error) => this.failure(error, "");
        return {
            async *[Symbol.asyncIterator]() {
                try {
                    for await (const response of call) {
                        yield response;
                    }
                }
                catch (error) {
                    throw failure(error);
                }
                finally {
                    call.cancel();
                }
            },
        };
    }
    /** ClusterService.GetPartitionMap: each partition with its owner node and public address. */
    partitionMap(options) {
        return this.call(events_pb_js_1.ClusterService.method.getPartitionMap, {}, options);
    }
    once(channel, method, bytes, metadata, deadline) {
        const path = `/${method.parent.typeName}/${method.name}`;
        return new Promise((resolve, reject) => {
            channel.makeUnaryRequest(path, (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), (b) => (0, protobuf_1.fromBinary)(method.output, b), bytes, metadata.clone(), { deadline }, (error, response) => (error || response === undefined ? reject(error) : resolve(response)));
        });
    }
    failure(error, requestId) {
        if (typeof error?.code !== "number") {
            // not a gRPC status (e.g. a response that does not decode): INTERNAL with what was said
            return (0, errors_js_1.fromGrpcError)({ code: grpc.status.INTERNAL, details: String(error?.message ?? error) }, requestId);
        }
        return (0, errors_js_1.fromGrpcError)(error, requestId, this.plaintext);
    }
    /** The message to send (a copy: the caller's is left as it was) with its request_id made where empty. */
    prepare(schema, init) {
        const message = (0, protobuf_1.isMessage)(init, schema) ? (0, protobuf_1.clone)(schema, init) : (0, protobuf_1.create)(schema, init);
        const keys = keysOf(schema);
        const fields = message;
        if (keys.field !== undefined) {
            if (!fields[keys.field]) {
                fields[keys.field] = (0, node_crypto_1.randomUUID)();
            }
            return [message, fields[keys.field]];
        }
        if (keys.items !== undefined && keys.itemField !== undefined) {
            for (const item of fields[keys.items]) {
                if (!item[keys.itemField]) {
                    item[keys.itemField] = (0, node_crypto_1.randomUUID)();
                }
            }
        }
        return [message, ""];
    }
    // -- AuthorizationService -----------------------------------------------------------------------
    /** Approves (placing a hold), declines or challenges one payment (a requestId is made when empty). */
    authorize(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.authorize, request, options);
    }
    /** Up to 1,000 payments decided in order, each with its own requestId (made where empty). */
    authorizeBatch(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.authorizeBatch, request, options);
    }
    /** A chunk of payments given as columns, idempotent by its requestId. */
    authorizeBulk(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.authorizeBulk, request, options);
    }
    /** Posts an approved hold, in full or in part, at most once. */
    capture(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.capture, request, options);
    }
    /** Releases an approved hold that was not captured. */
    void(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.void, request, options);
    }
    /** Returns captured money to the credit line, never more than was captured. */
    refund(request, options) {
        return this.call(authorization_pb_js_1.AuthorizationService.method.refund, request, options);
    }
    // -- AccountService -----------------------------------------------------------------------------
    /** Everything that decides whether the customer can pay now: limit, balances, windows, holds. */
    getAccount(request, options) {
        return this.call(account_pb_js_1.AccountService.method.getAccount, request, options);
    }
    /** Reduces the posted balance; paying the overdue amount lifts the overdue freeze. */
    repay(request, options) {
        return this.call(account_pb_js_1.AccountService.method.repay, request, options);
    }
    // -- InstallmentService -------------------------------------------------------------------------
    /** Every plan the policy offers for an amount, each eligible or saying why not. */
    quoteInstallments(request, options) {
        return this.call(installment_pb_js_1.InstallmentService.method.quoteInstallments, request, options);
    }
    /** Turns auto-installment on or off. */
    setAutoInstallment(request, options) {
        return this.call(installment_pb_js_1.InstallmentService.method.setAutoInstallment, request, options);
    }
    /** An account's auto-installment setting. */
    getAutoInstallment(request, options) {
        return this.call(installment_pb_js_1.InstallmentService.method.getAutoInstallment, request, options);
    }
    // -- CreditService ------------------------------------------------------------------------------
    /** Scores an applicant with the active scorecard. */
    assessCredit(request, options) {
        return this.call(credit_pb_js_1.CreditService.method.assessCredit, request, options);
    }
    /** Closes the channel, and the routed ones; calls under way are cancelled. */
    close() {
        for (const channel of this.routes.values()) {
            channel.close();
        }
        this.routes.clear();
        this.grpc.close();
    }
}
exports.AuthcoreClient = AuthcoreClient;
