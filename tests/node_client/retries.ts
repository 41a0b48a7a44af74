// Retries, deadlines and request ids, against a stand-in server made here with @grpc/grpc-js
// (a dependency of authcore-client) that answers UNAVAILABLE as told and records every attempt.
//
//   node retries.js        prints one JSON line per case
import * as grpc from "@grpc/grpc-js";

import {
  AuthcoreClient,
  AuthcoreError,
  AuthorizeBatchRequestSchema,
  AuthorizeBatchResponseSchema,
  AuthorizeRequestSchema,
  AuthorizeResponseSchema,
  CaptureRequestSchema,
  Decision,
  GetAccountRequestSchema,
  NO_RETRIES,
  VoidRequestSchema,
  anyPack,
  create,
  fromBinary,
  rpc,
  toBinary,
} from "authcore-client";

type Handler = (request: Buffer) => Promise<Buffer | grpc.ServiceError> | Buffer | grpc.ServiceError;

const attempts: Record<string, string[][]> = {};
let failuresLeft = 0;

function unavailable(details: string, status?: rpc.Status): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (status !== undefined) {
    metadata.set("grpc-status-details-bin", Buffer.from(toBinary(rpc.StatusSchema, status)));
  }
  return Object.assign(new Error(details), { code: grpc.status.UNAVAILABLE, details, metadata });
}

// The ids each attempt carried, in order.
function record(method: string, ids: string[]): void {
  (attempts[method] ??= []).push(ids);
}

const handlers: Record<string, Handler> = {
  "/authcore.v1.AuthorizationService/Authorize": (b) => {
    record("authorize", [fromBinary(AuthorizeRequestSchema, b).requestId]);
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      return unavailable("stand-in: not now");
    }
    const answer = create(AuthorizeResponseSchema, { decision: Decision.APPROVED, authorizationId: "au_standin" });
    return Buffer.from(toBinary(AuthorizeResponseSchema, answer));
  },
  "/authcore.v1.AuthorizationService/AuthorizeBatch": (b) => {
    record("authorizeBatch", fromBinary(AuthorizeBatchRequestSchema, b).requests.map((r) => r.requestId));
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      return unavailable("stand-in: not now");
    }
    return Buffer.from(toBinary(AuthorizeBatchResponseSchema, create(AuthorizeBatchResponseSchema)));
  },
  "/authcore.v1.AuthorizationService/Capture": (b) => {
    record("capture", [fromBinary(CaptureRequestSchema, b).requestId]);
    const info = create(rpc.ErrorInfoSchema, { reason: "JOURNAL_UNAVAILABLE", domain: "authcore", metadata: { shard: "0" } });
    const retry = create(rpc.RetryInfoSchema, { retryDelay: { seconds: 1n, nanos: 500_000_000 } });
    const status = create(rpc.StatusSchema, {
      code: grpc.status.UNAVAILABLE, message: "the journal cannot be written",
      details: [anyPack(rpc.ErrorInfoSchema, info), anyPack(rpc.RetryInfoSchema, retry)],
    });
    return unavailable("the journal cannot be written", status);
  },
  "/authcore.v1.AccountService/GetAccount": (b) => {
    record("getAccount", [fromBinary(GetAccountRequestSchema, b).accountId]);
    return unavailable("stand-in: down");
  },
  "/authcore.v1.AuthorizationService/Void": async (b) => {
    record("void", [fromBinary(VoidRequestSchema, b).requestId]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return unavailable("too late");
  },
};

function serve(): Promise<[grpc.Server, number]> {
  const server = new grpc.Server();
  const raw = (b: Buffer): Buffer => b;
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [path, handle] of Object.entries(handlers)) {
    definition[path] = {
      path, requestStream: false, responseStream: false,
      requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
    };
    implementation[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      void Promise.resolve(handle(call.request)).then((out) => (Buffer.isBuffer(out) ? callback(null, out) : callback(out)));
    };
  }
  server.addService(definition, implementation);
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(error); else resolve([server, port]);
    });
  });
}

async function outcome(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const started = Date.now();
  try {
    await call();
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    if (!(error instanceof AuthcoreError)) throw error;
    return {
      ok: false, ms: Date.now() - started, codeName: error.codeName, class: error.name, requestId: error.requestId,
      reason: error.reason, retryAfterMs: error.retryAfterMs ?? null, metadata: error.metadata, hint: error.hint,
    };
  }
}

async function main(): Promise<void> {
  const [server, port] = await serve();
  const target = `127.0.0.1:${port}`;
  const client = new AuthcoreClient(target, { timeoutMs: 5_000 });
  const once = new AuthcoreClient(target, { retries: NO_RETRIES });
  const cases: [string, string, () => Promise<unknown>, number][] = [
    // [case, method recorded, call, UNAVAILABLE answers before a success]
    ["authorize recovers", "authorize", () => client.authorize({ accountId: "a", amountMinor: 1n }), 2],
    ["authorize given id", "authorize", () => client.authorize({ requestId: "caller-id-1", accountId: "a", amountMinor: 1n }), 1],
    ["authorize gives up", "authorize", () => client.authorize({ accountId: "a", amountMinor: 1n }), 99],
    ["authorize without retries", "authorize", () => once.authorize({ accountId: "a", amountMinor: 1n }), 99],
    ["batch recovers", "authorizeBatch", () => client.authorizeBatch({
      requests: [{ accountId: "a", amountMinor: 1n }, { requestId: "caller-item-2", accountId: "b", amountMinor: 2n }],
    }), 1],
    ["capture with details", "capture", () => client.capture({ authorizationId: "au_x" }), 99],
    ["getAccount is not retried", "getAccount", () => client.getAccount({ accountId: "a" }), 99],
    ["void times out", "void", () => client.void({ authorizationId: "au_x" }, { timeoutMs: 300 }), 0],
  ];
  for (const [name, method, call, failures] of cases) {
    failuresLeft = failures;
    attempts[method] = [];
    const result = await outcome(call);
    console.log(JSON.stringify({ case: name, attempts: attempts[method], ...result }));
  }
  client.close();
  once.close();
  server.forceShutdown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
