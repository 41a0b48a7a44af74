// A consumer of authcore's events, as another service writes one with the authcore-client
// package: the partition map, then partition 0's journal from seq 1, the watch left part-way and
// resumed from the last seq seen + 1. Prints one line a record. Compiled with tsc --strict by
// tests/test_node_client.py in a fresh project that installed the package.
//
//   node events.js TARGET LAST_SEQ
import { AuthcoreClient, type JournalRecord } from "authcore-client";

const [target, lastArg] = process.argv.slice(2);
if (target === undefined || lastArg === undefined) {
  throw new Error("usage: node events.js TARGET LAST_SEQ");
}
const last = BigInt(lastArg);

async function readUntil(client: AuthcoreClient, fromSeq: bigint, until: bigint): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for await (const response of client.watchEvents({ partition: 0, fromSeq }, { timeoutMs: 30_000 })) {
    records.push(...response.records);
    if (records.length > 0 && records[records.length - 1].seq >= until) {
      break; // cancels the call
    }
  }
  return records;
}

async function main(): Promise<void> {
  const client = new AuthcoreClient(target, { timeoutMs: 10_000 });
  try {
    const map = await client.partitionMap();
    for (const owner of map.partitions) {
      console.log(`partition ${owner.partition} at ${owner.address}`);
    }
    const half = last / 2n;
    const first = await readUntil(client, 1n, half);
    const seen = first.filter((record) => record.seq <= half);
    const rest = await readUntil(client, seen[seen.length - 1].seq + 1n, last);
    for (const record of [...seen, ...rest]) {
      console.log(`seq ${record.seq} ${record.method}`);
    }
  } finally {
    client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
