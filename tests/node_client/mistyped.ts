// A caller with type errors: tsc --strict must refuse every line marked "error:".
import { AuthcoreClient, Channel, Tier } from "authcore-client";

async function main(): Promise<void> {
  const client = new AuthcoreClient("127.0.0.1:50051");
  const answer = await client.authorize({
    accountId: "acct-1",
    channel: Channel.WALLET,
    amountMinor: "12345", // error: an int64 amount is a bigint, not a string
    currency: "CNY",
  });
  const available: number = answer.availableCreditMinor; // error: bigint is not a number
  await client.authorize({ accountId: "acct-1", channel: "CHANNEL_WALLET", amountMinor: 1n }); // error: an enum, not its name
  await client.admin.upsertAccount({ acountId: "acct-1", tier: Tier.STANDARD }); // error: no such field
  await client.capture({ authorizationId: answer.authorizationId, amountMinor: 100 }); // error: a number is not a bigint
  await client.refund({ authorizationId: 42n }); // error: an id is a string
  console.log(available);
}

void main();
