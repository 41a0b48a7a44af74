// A first authorization from Node.js: load the contract from proto/ with @grpc/proto-loader,
// open an example account, authorize a wallet payment and capture it.
//
//   npm install                       # @grpc/grpc-js and @grpc/proto-loader (package.json)
//   node examples/node/authorize.js [--tls-dir DIR] [127.0.0.1:50051]
//
// --tls-dir DIR: mutual TLS with the certificates of `authcore certs --out DIR` (the server:
// `authcore serve --tls-dir DIR`): the account is opened with admin's certificate and the payment
// goes with the wallet's. Without it, plaintext (a development server on loopback).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const args = { target: '127.0.0.1:50051', tlsDir: null };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--tls-dir' && i + 1 < argv.length) {
      args.tlsDir = argv[i += 1];
    } else if (argv[i].startsWith('--tls-dir=')) {
      args.tlsDir = argv[i].slice('--tls-dir='.length);
    } else if (!argv[i].startsWith('-')) {
      args.target = argv[i];
    } else {
      console.error(`unknown option ${argv[i]}: usage: node examples/node/authorize.js [--tls-dir DIR] [host:port]`);
      process.exit(2);
    }
  }
  return args;
}

const { target, tlsDir } = parseArgs(process.argv.slice(2));

const definition = protoLoader.loadSync(
  ['authcore/v1/admin.proto', 'authcore/v1/authorization.proto'],
  {
    includeDirs: [path.join(ROOT, 'proto'), path.join(ROOT, 'third_party/proto')],
    keepCase: true, longs: String, enums: String, defaults: true,
  },
);
const v1 = grpc.loadPackageDefinition(definition).authcore.v1;

// identity's certificate and key from --tls-dir, checked against the CA there; plaintext without it.
function credentials(identity) {
  if (!tlsDir) return grpc.credentials.createInsecure();
  const read = (name) => {
    const file = path.join(tlsDir, name);
    if (!fs.existsSync(file)) {
      console.error(`--tls-dir ${tlsDir}: no ${name}; make the certificates with: authcore certs --out ${tlsDir}`);
      process.exit(2);
    }
    return fs.readFileSync(file);
  };
  return grpc.credentials.createSsl(read('ca.pem'), read(`${identity}-key.pem`), read(`${identity}.pem`));
}

// The development certificates name localhost, whatever address the target has.
const OPTIONS = tlsDir ? { 'grpc.ssl_target_name_override': 'localhost' } : {};
const admin = new v1.AdminService(target, credentials('admin'), OPTIONS);
const payments = new v1.AuthorizationService(target, credentials('wallet'), OPTIONS);

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
    const hint = error.code === grpc.status.UNAVAILABLE && !tlsDir
      ? ` (the server may require TLS: --tls-dir DIR; or check that it serves on ${target})` : '';
    console.error(`${grpc.status[error.code] || ''} ${error.details || error.message}${hint}`);
    process.exitCode = 1;
  })
  .finally(() => {
    admin.close();
    payments.close();
  });
