// The Node.js client (clients/node/dist, as built in this checkout) driven one JSON line at a time
// from stdin, one JSON answer line on stdout per command, so that a Python test can act on a
// cluster (kill a node) between calls. tests/test_routing_clients.py runs it:
//
//   node route_driver.js TARGET [route]
//
// Commands:
//   {"op": "call", "method": "authorize", "request": {...proto JSON...}}  -> {"ok": true, "answer": {...}}
//                                              or {"ok": false, "codeName", "requestId", "message"}
//   {"op": "owner", "accountId": "..."}      -> {"address": "host:port" | null}  (ownerAddress)
//   {"op": "partitions", "accounts": [...], "authorizations": [...], "counts": [...]}
//        -> {"accounts": [[partition per count] per id], "authorizations": [[... or null]]}
'use strict';

const path = require('node:path');
const readline = require('node:readline');

const authcore = require(path.resolve(__dirname, '..', '..', 'clients', 'node', 'dist', 'index.js'));

const [target, mode] = process.argv.slice(2);
let client;

function connected() {
  client ??= new authcore.AuthcoreClient(target, { route: mode === 'route', timeoutMs: 30_000 });
  return client;
}

// Each client method by name, with the schemas of its request and response.
const METHODS = {};
for (const service of [authcore.AuthorizationService, authcore.AccountService, authcore.InstallmentService]) {
  for (const method of service.methods) {
    METHODS[method.localName] = method;
  }
}

async function answer(command) {
  switch (command.op) {
    case 'call': {
      const method = METHODS[command.method];
      try {
        const response = await connected().call(method, authcore.fromJson(method.input, command.request));
        return { ok: true, answer: authcore.toJson(method.output, response) };
      } catch (error) {
        return { ok: false, codeName: error.codeName, requestId: error.requestId, message: error.message };
      }
    }
    case 'owner':
      return { address: (await connected().ownerAddress(command.accountId)) ?? null };
    case 'partitions':
      return {
        accounts: command.accounts.map((id) => command.counts.map((n) => authcore.partitionOf(id, n))),
        authorizations: command.authorizations.map(
          (id) => command.counts.map((n) => authcore.partitionOfId(id, n) ?? null)),
      };
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

async function main() {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    process.stdout.write(`${JSON.stringify(await answer(JSON.parse(line)))}\n`);
  }
  client?.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
