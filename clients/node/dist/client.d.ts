import { type DescMessage, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { GetAccountRequestSchema, type GetAccountResponse, RepayRequestSchema, type RepayResponse } from "./gen/authcore/v1/account_pb.js";
import { AdminService } from "./gen/authcore/v1/admin_pb.js";
import { AuthorizeRequestSchema, type AuthorizeResponse, AuthorizeBatchRequestSchema, type AuthorizeBatchResponse, AuthorizeBulkRequestSchema, type AuthorizeBulkResponse, CaptureRequestSchema, type CaptureResponse, VoidRequestSchema, type VoidResponse, RefundRequestSchema, type RefundResponse } from "./gen/authcore/v1/authorization_pb.js";
import { AssessCreditRequestSchema, type AssessCreditResponse } from "./gen/authcore/v1/credit_pb.js";
import { DiagnosticsService } from "./gen/authcore/v1/diagnostics_pb.js";
import { ClusterService, type GetPartitionMapResponse, WatchEventsRequestSchema, type WatchEventsResponse } from "./gen/authcore/v1/events_pb.js";
import { QuoteInstallmentsRequestSchema, type QuoteInstallmentsResponse, SetAutoInstallmentRequestSchema, type SetAutoInstallmentResponse, GetAutoInstallmentRequestSchema, type GetAutoInstallmentResponse } from "./gen/authcore/v1/installment_pb.js";
import type { TlsOptions } from "./tls.js";
/** The deadline of a call when neither the client nor the call sets one (as the Python client: 2 s). */
export declare const DEFAULT_TIMEOUT_MS = 2000;
/** The largest message either way (AuthorizeBulk chunks, model files). */
export declare const MAX_MESSAGE_BYTES: number;
/**
 * Retries of UNAVAILABLE, only for the methods whose request carries a request_id (at the top,
 * or on each item as AuthorizeBatch's): those act at most once per id, and every attempt sends
 * the same bytes, so the same id. The other methods are never retried. Every attempt stays
 * within the call's one deadline. Backoff: a random wait up to initialBackoffMs before the
 * second attempt, growing by multiplier each time up to maxBackoffMs (as gRPC's retry policy).
 */
export interface RetryOptions {
    /** Attempts in all, the first included; 1: no retries. Default 4, at most 5 (gRPC's own ceiling). */
    maxAttempts?: number;
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    multiplier?: number;
}
export declare const DEFAULT_RETRIES: Readonly<Required<RetryOptions>>;
/** No retries at all. */
export declare const NO_RETRIES: Readonly<RetryOptions>;
export interface ClientOptions {
    /** Mutual TLS (tlsFromDir(dir, identity) reads `authcore certs` output); unset: plaintext. */
    tls?: TlsOptions;
    /** The default deadline of a call, in milliseconds (DEFAULT_TIMEOUT_MS unless set). */
    timeoutMs?: number;
    /** UNAVAILABLE retries of the request_id methods (DEFAULT_RETRIES unless set; NO_RETRIES: none). */
    retries?: RetryOptions;
    /** Metadata sent with every call. */
    metadata?: Record<string, string>;
    /** More @grpc/grpc-js channel options (they win over the client's own). */
    channelOptions?: grpc.ChannelOptions;
    /**
     * For a cluster (`authcore serve --cluster`): a call about one account or authorization goes
     * straight to the public address of its partition's owner, from the partition map (read from
     * target on the first such call); when that call is UNAVAILABLE (the owner changed or died) the
     * map is read again and the call sent once more, with its request_id, to the new owner, all
     * within the call's deadline. Other calls go to target. Default false.
     */
    route?: boolean;
}
export interface CallOptions {
    /** This call's deadline, in milliseconds from now (instead of the client's timeoutMs). */
    timeoutMs?: number;
    /** Metadata for this call, on top of the client's. */
    metadata?: Record<string, string>;
}
/** A unary RPC of a generated service descriptor. */
export type UnaryMethod<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> = DescMethod & {
    methodKind: "unary";
    input: I;
    output: O;
};
/** Every unary RPC of a generated service as a method: request (partial init) in, typed response out. */
export type ServiceClient<T extends {
    method: Record<string, DescMethod>;
}> = {
    [K in keyof T["method"] as T["method"][K]["methodKind"] extends "unary" ? K : never]: (request: MessageInitShape<T["method"][K]["input"]>, options?: CallOptions) => Promise<MessageShape<T["method"][K]["output"]>>;
};
/** Whether a method is retried on UNAVAILABLE: its request carries a request_id. */
export declare function isRetryable(method: DescMethod): boolean;
/** Channels a routing client keeps open to owners' addresses, at most (a cluster has few nodes). */
export declare const MAX_ROUTES = 64;
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
export declare class AuthcoreClient {
    /** The gRPC client of the channel (for AuthorizeStream or anything else of grpc-js). */
    readonly grpc: grpc.Client;
    readonly target: string;
    readonly timeoutMs: number;
    readonly retries: Readonly<Required<RetryOptions>>;
    /** AdminService: upsertAccount, getPolicy, setPolicy, ... (every unary RPC of it). */
    readonly admin: ServiceClient<typeof AdminService>;
    /** DiagnosticsService: echo. */
    readonly diagnostics: ServiceClient<typeof DiagnosticsService>;
    /** ClusterService: getPartitionMap. */
    readonly cluster: ServiceClient<typeof ClusterService>;
    /** Whether calls are routed to their partition's owner (options.route). */
    readonly route: boolean;
    private readonly plaintext;
    private readonly metadata;
    private readonly credentials;
    private readonly channelOptions;
    private owners;
    private readonly routes;
    constructor(target?: string, options?: ClientOptions);
    /** Every unary RPC of a generated service (authcore.v1) as methods over this client's channel. */
    service<T extends DescService>(service: T): ServiceClient<T>;
    /**
     * Any unary method by its descriptor, e.g. `client.call(AdminService.method.setPolicy, {...})`:
     * a deadline, a request_id made where needed, retries where safe, typed errors.
     */
    call<I extends DescMessage, O extends DescMessage>(method: UnaryMethod<I, O>, request: MessageInitShape<I>, options?: CallOptions): Promise<MessageShape<O>>;
    /**
     * The public address the client sends accountId's calls to (route: true), from the partition
     * map as last read (read now if it has not been); undefined while its partition has no owner.
     */
    ownerAddress(accountId: string, options?: CallOptions): Promise<string | undefined>;
    /**
     * The call sent to its partition's owner (again after reading the map anew, if the owner it had
     * was UNAVAILABLE); undefined for a call that belongs to no partition or whose partition has no
     * owner in the map. Rejects with the gRPC error.
     */
    private routed;
    /** The channel to an owner's address, made once and kept (at most MAX_ROUTES, the oldest closed first). */
    private routeTo;
    /**
     * The call on channel, UNAVAILABLE retried up to attempts in all with backoff, within the
     * deadline; rejects with the last gRPC error.
     */
    private attempts;
    /**
     * EventService.WatchEvents (admin only): the records of a partition's journal from `fromSeq` on
     * (0n: the first it keeps), then each new one as it is written: responses of up to 256 records,
     * in seq order, every seq once. Resume with fromSeq = the last seq seen + 1n. No deadline unless
     * options.timeoutMs is given; leaving the `for await` loop cancels the call.
     */
    watchEvents(request: MessageInitShape<typeof WatchEventsRequestSchema>, options?: CallOptions): AsyncIterable<WatchEventsResponse>;
    /** ClusterService.GetPartitionMap: each partition with its owner node and public address. */
    partitionMap(options?: CallOptions): Promise<GetPartitionMapResponse>;
    private once;
    private failure;
    /** The message to send (a copy: the caller's is left as it was) with its request_id made where empty. */
    private prepare;
    /** Approves (placing a hold), declines or challenges one payment (a requestId is made when empty). */
    authorize(request: MessageInitShape<typeof AuthorizeRequestSchema>, options?: CallOptions): Promise<AuthorizeResponse>;
    /** Up to 1,000 payments decided in order, each with its own requestId (made where empty). */
    authorizeBatch(request: MessageInitShape<typeof AuthorizeBatchRequestSchema>, options?: CallOptions): Promise<AuthorizeBatchResponse>;
    /** A chunk of payments given as columns, idempotent by its requestId. */
    authorizeBulk(request: MessageInitShape<typeof AuthorizeBulkRequestSchema>, options?: CallOptions): Promise<AuthorizeBulkResponse>;
    /** Posts an approved hold, in full or in part, at most once. */
    capture(request: MessageInitShape<typeof CaptureRequestSchema>, options?: CallOptions): Promise<CaptureResponse>;
    /** Releases an approved hold that was not captured. */
    void(request: MessageInitShape<typeof VoidRequestSchema>, options?: CallOptions): Promise<VoidResponse>;
    /** Returns captured money to the credit line, never more than was captured. */
    refund(request: MessageInitShape<typeof RefundRequestSchema>, options?: CallOptions): Promise<RefundResponse>;
    /** Everything that decides whether the customer can pay now: limit, balances, windows, holds. */
    getAccount(request: MessageInitShape<typeof GetAccountRequestSchema>, options?: CallOptions): Promise<GetAccountResponse>;
    /** Reduces the posted balance; paying the overdue amount lifts the overdue freeze. */
    repay(request: MessageInitShape<typeof RepayRequestSchema>, options?: CallOptions): Promise<RepayResponse>;
    /** Every plan the policy offers for an amount, each eligible or saying why not. */
    quoteInstallments(request: MessageInitShape<typeof QuoteInstallmentsRequestSchema>, options?: CallOptions): Promise<QuoteInstallmentsResponse>;
    /** Turns auto-installment on or off. */
    setAutoInstallment(request: MessageInitShape<typeof SetAutoInstallmentRequestSchema>, options?: CallOptions): Promise<SetAutoInstallmentResponse>;
    /** An account's auto-installment setting. */
    getAutoInstallment(request: MessageInitShape<typeof GetAutoInstallmentRequestSchema>, options?: CallOptions): Promise<GetAutoInstallmentResponse>;
    /** Scores an applicant with the active scorecard. */
    assessCredit(request: MessageInitShape<typeof AssessCreditRequestSchema>, options?: CallOptions): Promise<AssessCreditResponse>;
    /** Closes the channel, and the routed ones; calls under way are cancelled. */
    close(): void;
}
