// A caller of the authcore-client package, as a user writes one: open an account, authorize,
// capture and refund, then look at the account. Compiled with tsc --strict by
// tests/test_node_client.py in a fresh project that installed the package.
//
//   node flow.js TARGET [CERTS_DIR]      CERTS_DIR: mutual TLS with `authcore certs` output
import { randomUUID } from "node:crypto";

import {
  AuthcoreClient,
  Channel,
  Decision,
  Reason,
  Tier,
  tlsFromDir,
  type AuthorizeResponse,
  type ClientOptions,
} from "authcore-client";

const [target, certs] = process.argv.slice(2);
if (target === undefined) {
  throw new Error("usage: node flow.js TARGET [CERTS_DIR]");
}

// A generous default deadline: the test machine may be busy.
function options(identity: string): ClientOptions {
  return certs === undefined ? { timeoutMs: 10_000 } : { timeoutMs: 10_000, tls: tlsFromDir(certs, identity) };
}

async function main(): Promise<void> {
  const admin = new AuthcoreClient(target, options("admin"));
  const wallet = new AuthcoreClient(target, options("wallet"));
  try {
    const accountId = `node-client-${randomUUID().slice(0, 8)}`;
    const opened = await admin.admin.upsertAccount({ accountId, creditLimitMinor: 500_000n, tier: Tier.STANDARD });
    console.log(`opened created=${opened.created} limit=${opened.account?.creditLimitMinor} tier=${Tier[opened.account?.tier ?? 0]}`);

    const merchant = { merchantId: "node-shop-001", mcc: "5411", country: "CN" };
    const answer: AuthorizeResponse = await wallet.authorize({
      accountId, channel: Channel.WALLET, amountMinor: 12_345n, currency: "CNY", merchant,
    });
    const available: bigint = answer.availableCreditMinor;
    console.log(`authorize ${Decision[answer.decision]} ${Reason[answer.reason]} available=${available} `
      + `max=${answer.maxApprovableMinor} id=${answer.authorizationId}`);

    const captured = await wallet.capture({ authorizationId: answer.authorizationId, amountMinor: 10_000n, currency: "CNY" });
    console.log(`capture captured=${captured.capturedMinor} released=${captured.releasedMinor} available=${captured.availableCreditMinor}`);

    const refunded = await wallet.refund({ authorizationId: answer.authorizationId, amountMinor: 4_000n, currency: "CNY" });
    console.log(`refund refunded=${refunded.refundedMinor} total=${refunded.refundedTotalMinor} available=${refunded.availableCreditMinor}`);

    const { account } = await wallet.getAccount({ accountId }, { timeoutMs: 5_000 });
    console.log(`account limit=${account?.creditLimitMinor} available=${account?.availableCreditMinor} posted=${account?.postedBalanceMinor}`);

    const declined = await wallet.authorize({
      accountId, channel: Channel.WALLET, amountMinor: 900_000n, currency: "CNY", merchant,
    });
    console.log(`decline ${Decision[declined.decision]} ${Reason[declined.reason]} iso=${declined.reasons[0]?.iso8583Code}`);
  } finally {
    admin.close();
    wallet.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
