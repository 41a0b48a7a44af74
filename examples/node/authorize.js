// A first authorization from Node.js: load the contract from proto/ with @grpc/proto-loader,
// open an example account, authorize a wallet payment and capture it.
//
//   npm install                       # @grpc/grpc-js and @grpc/proto-loader (package.json)
//   node examples/node/authorize.js [127.0.0.1:50051]
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');
const target = process.argv[2] || '127.0.0.1:50051';

const definition = protoLoader.loadSync(
  ['authcore/v1/admin.proto', 'authcore/v1/authorization.proto'],
  {
    includeDirs: [path.join(ROOT, 'proto'), path.join(ROOT, 'third_party/proto')],
    keepCase: true, longs: String, enums: String, defaults: true,
  },
);
const v1 = grpc.loadPackageDefinition(definition).authcore.v1;
const credentials = grpc.credentials.createInsecure(); // plaintext: a development server on loopback
const admin = new v1.AdminService(target, credentials);
const payments = new v1.AuthorizationService(target, credentials);

function call(stub, method, request) {
  return new Promise((resolve, reject) => {
    stub[method](request, { deadline: Date.now() + 2000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function main() {
  const account_id = `node-example-${crypto.randomBytes(3).toString('hex')}`;
  await call(admin, 'UpsertAccount', {
    request_id: crypto.randomUUID(), account_id, credit_limit_minor: '500000', tier: 'TIER_STANDARD',
  });
  const answer = await call(payments, 'Authorize', {
    request_id: crypto.randomUUID(), // the idempotency key: send it again to retry safely
    account_id,
    channel: 'CHANNEL_WALLET',
    amount_minor: '12345', // ¥123.45 in fen; int64 travels as a string
    currency: 'CNY',
    merchant: { merchant_id: 'node-shop-001', mcc: '5411', country: 'CN' },
  });
  console.log(`${account_id}: ${answer.decision} (${answer.reason}), available ${answer.available_credit_minor} fen`);
  const captured = await call(payments, 'Capture', {
    request_id: crypto.randomUUID(), authorization_id: answer.authorization_id, currency: 'CNY',
  });
  console.log(`captured ${captured.captured_minor} fen of ${answer.authorization_id}`);
}

main()
  .catch((error) => {
    console.error(`${grpc.status[error.code] || ''} ${error.details || error.message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    admin.close();
    payments.close();
  });
