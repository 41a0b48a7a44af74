// The client: one gRPC channel to an authcore server, every unary method of the contract over
// it, with a deadline on every call, a request_id made where the request has one and it is
// empty, UNAVAILABLE retried (same request_id, bounded backoff) where that is safe, and typed
// errors; with `route: true`, each call about one account or authorization sent straight to its
// partition owner's public address from the cluster's partition map.

import { randomUUID } from "node:crypto";

import {
  clone,
  create,
  fromBinary,
  isMessage,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";

import { fromGrpcError, type AuthcoreError } from "./errors.js";
import {
  AccountService,
  GetAccountRequestSchema,
  type GetAccountResponse,
  RepayRequestSchema,
  type RepayResponse,
} from "./gen/authcore/v1/account_pb.js";
import { AdminService } from "./gen/authcore/v1/admin_pb.js";
import {
  AuthorizationService,
  AuthorizeRequestSchema,
  type AuthorizeResponse,
  AuthorizeBatchRequestSchema,
  type AuthorizeBatchResponse,
  AuthorizeBulkRequestSchema,
  type AuthorizeBulkResponse,
  CaptureRequestSchema,
  type CaptureResponse,
  VoidRequestSchema,
  type VoidResponse,
  RefundRequestSchema,
  type RefundResponse,
} from "./gen/authcore/v1/authorization_pb.js";
import {
  CreditService,
  AssessCreditRequestSchema,
  type AssessCreditResponse,
} from "./gen/authcore/v1/credit_pb.js";
import { DiagnosticsService } from "./gen/authcore/v1/diagnostics_pb.js";
import {
  ClusterService,
  EventService,
  GetPartitionMapRequestSchema,
  type GetPartitionMapResponse,
  WatchEventsRequestSchema,
  WatchEventsResponseSchema,
  type WatchEventsResponse,
} from "./gen/authcore/v1/events_pb.js";
import {
  InstallmentService,
  QuoteInstallmentsRequestSchema,
  type QuoteInstallmentsResponse,
  SetAutoInstallmentRequestSchema,
  type SetAutoInstallmentResponse,
  GetAutoInstallmentRequestSchema,
  type GetAutoInstallmentResponse,
} from "./gen/authcore/v1/installment_pb.js";
import { CONTRACT_VERSION } from "./gen/version.js";
import { partitionOf, partitionOfId } from "./partition.js";
import type { TlsOptions } from "./tls.js";

/** The deadline of a call when neither the client nor the call sets one (as the Python client: 2 s). */
export const DEFAULT_TIMEOUT_MS = 2000;
/** The largest message either way (AuthorizeBulk chunks, model files). */
export const MAX_MESSAGE_BYTES = 16 << 20;

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

export const DEFAULT_RETRIES: Readonly<Required<RetryOptions>> = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 50,
  maxBackoffMs: 1000,
  multiplier: 2,
});

/** No retries at all. */
export const NO_RETRIES: Readonly<RetryOptions> = Object.freeze({ maxAttempts: 1 });

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
export type ServiceClient<T extends { method: Record<string, DescMethod> }> = {
  [K in keyof T["method"] as T["method"][K]["methodKind"] extends "unary" ? K : never]: (
    request: MessageInitShape<T["method"][K]["input"]>,
    options?: CallOptions,
  ) => Promise<MessageShape<T["method"][K]["output"]>>;
};

/**
 * Where a request's idempotency keys are: its request_id field (`field`), or a repeated message
 * field whose items each carry one (`items`, as AuthorizeBatch's requests), or neither.
 */
function keysOf(input: DescMessage): { field?: string; items?: string; itemField?: string } {
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
export function isRetryable(method: DescMethod): boolean {
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
export const MAX_ROUTES = 64;

/** Whether a routing client routes a method: it is safe to send again (request_id or read-only). */
function isRoutable(method: DescMethod): boolean {
  return isRetryable(method) || READ_ONLY.has(`${method.parent.name}/${method.name}`);
}

/**
 * The partition of `partitions` a request's account (its account_id) or else authorization (the
 * tag of its authorization_id) belongs to; undefined for a request that names neither or an
 * authorization id without this layout's tag.
 */
function partitionOfRequest(schema: DescMessage, request: object, partitions: number): number | undefined {
  const fields = request as Record<string, unknown>;
  const account = schema.fields.find((f) => f.name === "account_id");
  if (account !== undefined && typeof fields[account.localName] === "string" && fields[account.localName] !== "") {
    return partitionOf(fields[account.localName] as string, partitions);
  }
  const authorization = schema.fields.find((f) => f.name === "authorization_id");
  if (authorization !== undefined && typeof fields[authorization.localName] === "string"
      && fields[authorization.localName] !== "") {
    return partitionOfId(fields[authorization.localName] as string, partitions);
  }
  return undefined;
}

/** Whether a request names an account or an authorization (the calls a routing client routes). */
function hasPartitionKey(schema: DescMessage, request: object): boolean {
  const fields = request as Record<string, unknown>;
  return schema.fields.some((f) => (f.name === "account_id" || f.name === "authorization_id")
    && typeof fields[f.localName] === "string" && fields[f.localName] !== "");
}

/** The public address of each partition's owner ("" while one has none), by partition. */
function ownersOf(map: GetPartitionMapResponse): string[] {
  const owners: string[] = new Array<string>(map.partitions.length).fill("");
  for (const owner of map.partitions) {
    if (owner.partition < owners.length) {
      owners[owner.partition] = owner.address;
    }
  }
  return owners;
}

function sleep(ms: number): Promise<void> {
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
export class AuthcoreClient {
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
  private readonly plaintext: boolean;
  private readonly metadata: Record<string, string>;
  private readonly credentials: grpc.ChannelCredentials;
  private readonly channelOptions: grpc.ChannelOptions;
  // The owners' public addresses by partition (the map as last read), and a channel by address.
  private owners: string[] | undefined;
  private readonly routes = new Map<string, grpc.Client>();

  constructor(target = "127.0.0.1:50051", options: ClientOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new RangeError("timeoutMs must be above 0");
    }
    const given = options.retries ?? {};
    const retries = {
      maxAttempts: given.maxAttempts ?? DEFAULT_RETRIES.maxAttempts,
      initialBackoffMs: given.initialBackoffMs ?? DEFAULT_RETRIES.initialBackoffMs,
      maxBackoffMs: given.maxBackoffMs ?? Math.max(DEFAULT_RETRIES.maxBackoffMs, given.initialBackoffMs ?? 0),
      multiplier: given.multiplier ?? DEFAULT_RETRIES.multiplier,
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
    const channelOptions: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      "grpc.primary_user_agent": `authcore-client-node/${CONTRACT_VERSION}`,
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
    this.admin = this.service(AdminService);
    this.diagnostics = this.service(DiagnosticsService);
    this.cluster = this.service(ClusterService);
  }

  /** Every unary RPC of a generated service (authcore.v1) as methods over this client's channel. */
  service<T extends DescService>(service: T): ServiceClient<T> {
    const out: Record<string, unknown> = {};
    for (const method of service.methods) {
      if (method.methodKind === "unary") {
        out[method.localName] = (request: MessageInitShape<DescMessage>, options?: CallOptions) =>
          this.call(method as UnaryMethod, request, options);
      }
    }
    return out as ServiceClient<T>;
  }

  /**
   * Any unary method by its descriptor, e.g. `client.call(AdminService.method.setPolicy, {...})`:
   * a deadline, a request_id made where needed, retries where safe, typed errors.
   */
  async call<I extends DescMessage, O extends DescMessage>(
    method: UnaryMethod<I, O>,
    request: MessageInitShape<I>,
    options: CallOptions = {},
  ): Promise<MessageShape<O>> {
    const [message, requestId] = this.prepare(method.input, request);
    const bytes = toBinary(method.input, message);
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
    } catch (error) {
      throw this.failure(error as grpc.ServiceError, requestId);
    }
  }

  /**
   * The public address the client sends accountId's calls to (route: true), from the partition
   * map as last read (read now if it has not been); undefined while its partition has no owner.
   */
  async ownerAddress(accountId: string, options: CallOptions = {}): Promise<string | undefined> {
    if (this.owners === undefined) {
      this.owners = ownersOf(await this.partitionMap(options));
    }
    return this.owners.length > 0 ? this.owners[partitionOf(accountId, this.owners.length)] || undefined : undefined;
  }

  /**
   * The call sent to its partition's owner (again after reading the map anew, if the owner it had
   * was UNAVAILABLE); undefined for a call that belongs to no partition or whose partition has no
   * owner in the map. Rejects with the gRPC error.
   */
  private async routed<O extends DescMessage>(method: UnaryMethod<DescMessage, O>, message: object, bytes: Uint8Array,
    metadata: grpc.Metadata, deadline: number, attempts: number): Promise<MessageShape<O> | undefined> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (this.owners === undefined || attempt > 0) {
        const request = toBinary(GetPartitionMapRequestSchema, create(GetPartitionMapRequestSchema));
        this.owners = ownersOf(await this.attempts(this.grpc, ClusterService.method.getPartitionMap, request,
          metadata, deadline, 1));
      }
      const partition = this.owners.length > 0
        ? partitionOfRequest(method.input, message, this.owners.length) : undefined;
      if (partition === undefined || !this.owners[partition]) {
        return undefined;
      }
      try {
        return await this.attempts(this.routeTo(this.owners[partition]), method, bytes, metadata, deadline, attempts);
      } catch (error) {
        if (attempt > 0 || (error as grpc.ServiceError)?.code !== grpc.status.UNAVAILABLE) {
          throw error;
        }
      }
    }
    return undefined;
  }

  /** The channel to an owner's address, made once and kept (at most MAX_ROUTES, the oldest closed first). */
  private routeTo(address: string): grpc.Client {
    let channel = this.routes.get(address);
    if (channel === undefined) {
      if (this.routes.size >= MAX_ROUTES) {
        const [oldest, client] = this.routes.entries().next().value as [string, grpc.Client];
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
  private async attempts<O extends DescMessage>(channel: grpc.Client, method: UnaryMethod<DescMessage, O>,
    bytes: Uint8Array, metadata: grpc.Metadata, deadline: number, attempts: number): Promise<MessageShape<O>> {
    let backoff = this.retries.initialBackoffMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once(channel, method, bytes, metadata, deadline);
      } catch (error) {
        const grpcError = error as grpc.ServiceError;
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
  watchEvents(request: MessageInitShape<typeof WatchEventsRequestSchema>,
    options: CallOptions = {}): AsyncIterable<WatchEventsResponse> {
    const method = EventService.method.watchEvents;
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries({ ...this.metadata, ...options.metadata })) {
      metadata.set(key, value);
    }
    const callOptions: grpc.CallOptions = options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
    const call = this.grpc.makeServerStreamRequest<Uint8Array, WatchEventsResponse>(
      `/${EventService.typeName}/${method.name}`,
      (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      (b: Buffer) => fromBinary(WatchEventsResponseSchema, b),
      toBinary(WatchEventsRequestSchema, create(WatchEventsRequestSchema, request)),
      metadata,
      callOptions,
    );
    const failure = (error: grpc.ServiceError) => this.failure(error, "");
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const response of call) {
            yield response as WatchEventsResponse;
          }
        } catch (error) {
          throw failure(error as grpc.ServiceError);
        } finally {
          call.cancel();
        }
      },
    };
  }

  /** ClusterService.GetPartitionMap: each partition with its owner node and public address. */
  partitionMap(options?: CallOptions): Promise<GetPartitionMapResponse> {
    return this.call(ClusterService.method.getPartitionMap, {}, options);
  }

  private once<O extends DescMessage>(channel: grpc.Client, method: UnaryMethod<DescMessage, O>, bytes: Uint8Array,
    metadata: grpc.Metadata, deadline: number): Promise<MessageShape<O>> {
    const path = `/${method.parent.typeName}/${method.name}`;
    return new Promise((resolve, reject) => {
      channel.makeUnaryRequest<Uint8Array, MessageShape<O>>(
        path,
        (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
        (b: Buffer) => fromBinary(method.output, b),
        bytes,
        metadata.clone(),
        { deadline },
        (error, response) => (error || response === undefined ? reject(error) : resolve(response)),
      );
    });
  }

  private failure(error: grpc.ServiceError, requestId: string): AuthcoreError {
    if (typeof error?.code !== "number") {
      // not a gRPC status (e.g. a response that does not decode): INTERNAL with what was said
      return fromGrpcError({ code: grpc.status.INTERNAL, details: String(error?.message ?? error) }, requestId);
    }
    return fromGrpcError(error, requestId, this.plaintext);
  }

  /** The message to send (a copy: the caller's is left as it was) with its request_id made where empty. */
  private prepare<I extends DescMessage>(schema: I, init: MessageInitShape<I>): [MessageShape<I>, string] {
    const message = isMessage(init, schema) ? clone(schema, init) : create(schema, init);
    const keys = keysOf(schema);
    const fields = message as unknown as Record<string, unknown>;
    if (keys.field !== undefined) {
      if (!fields[keys.field]) {
        fields[keys.field] = randomUUID();
      }
      return [message, fields[keys.field] as string];
    }
    if (keys.items !== undefined && keys.itemField !== undefined) {
      for (const item of fields[keys.items] as Record<string, unknown>[]) {
        if (!item[keys.itemField]) {
          item[keys.itemField] = randomUUID();
        }
      }
    }
    return [message, ""];
  }

  // -- AuthorizationService -----------------------------------------------------------------------

  /** Approves (placing a hold), declines or challenges one payment (a requestId is made when empty). */
  authorize(request: MessageInitShape<typeof AuthorizeRequestSchema>, options?: CallOptions): Promise<AuthorizeResponse> {
    return this.call(AuthorizationService.method.authorize, request, options);
  }

  /** Up to 1,000 payments decided in order, each with its own requestId (made where empty). */
  authorizeBatch(request: MessageInitShape<typeof AuthorizeBatchRequestSchema>, options?: CallOptions): Promise<AuthorizeBatchResponse> {
    return this.call(AuthorizationService.method.authorizeBatch, request, options);
  }

  /** A chunk of payments given as columns, idempotent by its requestId. */
  authorizeBulk(request: MessageInitShape<typeof AuthorizeBulkRequestSchema>, options?: CallOptions): Promise<AuthorizeBulkResponse> {
    return this.call(AuthorizationService.method.authorizeBulk, request, options);
  }

  /** Posts an approved hold, in full or in part, at most once. */
  capture(request: MessageInitShape<typeof CaptureRequestSchema>, options?: CallOptions): Promise<CaptureResponse> {
    return this.call(AuthorizationService.method.capture, request, options);
  }

  /** Releases an approved hold that was not captured. */
  void(request: MessageInitShape<typeof VoidRequestSchema>, options?: CallOptions): Promise<VoidResponse> {
    return this.call(AuthorizationService.method.void, request, options);
  }

  /** Returns captured money to the credit line, never more than was captured. */
  refund(request: MessageInitShape<typeof RefundRequestSchema>, options?: CallOptions): Promise<RefundResponse> {
    return this.call(AuthorizationService.method.refund, request, options);
  }

  // -- AccountService -----------------------------------------------------------------------------

  /** Everything that decides whether the customer can pay now: limit, balances, windows, holds. */
  getAccount(request: MessageInitShape<typeof GetAccountRequestSchema>, options?: CallOptions): Promise<GetAccountResponse> {
    return this.call(AccountService.method.getAccount, request, options);
  }

  /** Reduces the posted balance; paying the overdue amount lifts the overdue freeze. */
  repay(request: MessageInitShape<typeof RepayRequestSchema>, options?: CallOptions): Promise<RepayResponse> {
    return this.call(AccountService.method.repay, request, options);
  }

  // -- InstallmentService -------------------------------------------------------------------------

  /** Every plan the policy offers for an amount, each eligible or saying why not. */
  quoteInstallments(request: MessageInitShape<typeof QuoteInstallmentsRequestSchema>, options?: CallOptions): Promise<QuoteInstallmentsResponse> {
    return this.call(InstallmentService.method.quoteInstallments, request, options);
  }

  /** Turns auto-installment on or off. */
  setAutoInstallment(request: MessageInitShape<typeof SetAutoInstallmentRequestSchema>, options?: CallOptions): Promise<SetAutoInstallmentResponse> {
    return this.call(InstallmentService.method.setAutoInstallment, request, options);
  }

  /** An account's auto-installment setting. */
  getAutoInstallment(request: MessageInitShape<typeof GetAutoInstallmentRequestSchema>, options?: CallOptions): Promise<GetAutoInstallmentResponse> {
    return this.call(InstallmentService.method.getAutoInstallment, request, options);
  }

  // -- CreditService ------------------------------------------------------------------------------

  /** Scores an applicant with the active scorecard. */
  assessCredit(request: MessageInitShape<typeof AssessCreditRequestSchema>, options?: CallOptions): Promise<AssessCreditResponse> {
    return this.call(CreditService.method.assessCredit, request, options);
  }

  /** Closes the channel, and the routed ones; calls under way are cancelled. */
  close(): void {
    for (const channel of this.routes.values()) {
      channel.close();
    }
    this.routes.clear();
    this.grpc.close();
  }
}
