// Errors as a caller sees them: a bad request, an unknown account, a closed port, and (with a
// TLS server) a plaintext channel to it.
//
//   node errors.js TARGET CLOSED_TARGET [TLS_TARGET]
import {
  AuthcoreError,
  Channel,
  InvalidArgument,
  NotFound,
  Unavailable,
  AuthcoreClient,
  rpc,
} from "authcore-client";

const [target, closed, tlsTarget] = process.argv.slice(2) as [string, string, string | undefined];

function describe(what: string, error: unknown): void {
  if (!(error instanceof AuthcoreError)) {
    throw error;
  }
  const status: rpc.Status | undefined = error.status;
  console.log(JSON.stringify({
    what,
    class: error.name,
    code: error.code,
    codeName: error.codeName,
    reason: error.reason,
    fieldViolations: error.fieldViolations,
    resource: error.resource ?? null,
    metadata: error.metadata,
    requestId: error.requestId,
    statusCode: status?.code ?? null,
    details: error.details.map((d) => d.$typeName),
    hint: error.hint,
    message: error.message,
    invalidArgument: error instanceof InvalidArgument,
    notFound: error instanceof NotFound,
    unavailable: error instanceof Unavailable,
  }));
}

async function expectFailure(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    describe(what, error);
    return;
  }
  throw new Error(`${what}: the call succeeded`);
}

async function main(): Promise<void> {
  const client = new AuthcoreClient(target);
  await expectFailure("negative amount", () => client.authorize({
    requestId: "node-client-bad-1", accountId: "node-client-nobody", channel: Channel.WALLET, amountMinor: -1n,
    currency: "CNY", merchant: { merchantId: "node-shop-001", mcc: "5411", country: "CN" },
  }));
  await expectFailure("unknown account", () => client.getAccount({ accountId: "node-client-nobody" }));
  client.close();

  const nobody = new AuthcoreClient(closed);
  await expectFailure("closed port", () => nobody.getAccount({ accountId: "a" }));
  nobody.close();

  if (tlsTarget !== undefined) {
    const plaintext = new AuthcoreClient(tlsTarget);
    await expectFailure("plaintext to TLS", () => plaintext.getAccount({ accountId: "a" }));
    plaintext.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
