// The contract from another language: @grpc/grpc-js with @grpc/proto-loader loads proto/ as a
// Node.js service would, and runs authorize -> capture -> refund against a live server.
//
//   AUTHCORE_TARGET=127.0.0.1:50051 [AUTHCORE_TLS_DIR=certs] node --test tests/node/
//
// With AUTHCORE_TLS_DIR (the output of `authcore certs`), payments go with the wallet's
// certificate and the account is opened with admin's; without it, plaintext.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');
const TARGET = process.env.AUTHCORE_TARGET || '127.0.0.1:50051';
const TLS_DIR = process.env.AUTHCORE_TLS_DIR;

const definition = protoLoader.loadSync(
  fs.readdirSync(path.join(ROOT, 'proto/authcore/v1')).filter((f) => f.endsWith('.proto')).map((f) => `authcore/v1/${f}`),
  {
    includeDirs: [path.join(ROOT, 'proto'), path.join(ROOT, 'third_party/proto')],
    keepCase: true, // field names as in the .proto: account_id, amount_minor
    longs: String, // int64 money as decimal strings: exact to the fen
    enums: String,
    defaults: true,
  },
);
const v1 = grpc.loadPackageDefinition(definition).authcore.v1;

function credentials(identity) {
  if (!TLS_DIR) return grpc.credentials.createInsecure();
  const read = (name) => fs.readFileSync(path.join(TLS_DIR, name));
  return grpc.credentials.createSsl(read('ca.pem'), read(`${identity}-key.pem`), read(`${identity}.pem`));
}

// The development certificates name localhost; the target may be an address.
const OPTIONS = { 'grpc.ssl_target_name_override': 'localhost' };

function client(Service, identity) {
  return new Service(TARGET, credentials(identity), OPTIONS);
}

function call(stub, method, request) {
  return new Promise((resolve, reject) => {
    stub[method](request, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

const admin = client(v1.AdminService, 'admin');
const payments = client(v1.AuthorizationService, 'wallet');
const accounts = client(v1.AccountService, 'wallet');
const id = () => crypto.randomUUID();
const MERCHANT = { merchant_id: 'node-shop-001', mcc: '5411', country: 'CN' };

test('authorize, capture and refund, to the fen', async () => {
  const account_id = `node-${id()}`;
  await call(admin, 'UpsertAccount', {
    request_id: id(), account_id, credit_limit_minor: '500000', tier: 'TIER_STANDARD',
  });
  const authorize = {
    request_id: id(), account_id, channel: 'CHANNEL_WALLET', amount_minor: '12345', currency: 'CNY', merchant: MERCHANT,
  };
  const approved = await call(payments, 'Authorize', authorize);
  assert.equal(approved.decision, 'DECISION_APPROVED');
  assert.equal(approved.reason, 'REASON_APPROVED');
  assert.equal(approved.available_credit_minor, '487655');
  assert.match(approved.authorization_id, /^au_/);

  // The same request_id again: the same answer, no second hold.
  const replay = await call(payments, 'Authorize', authorize);
  assert.equal(replay.authorization_id, approved.authorization_id);

  const captured = await call(payments, 'Capture', {
    request_id: id(), authorization_id: approved.authorization_id, amount_minor: '10000', currency: 'CNY',
  });
  assert.equal(captured.captured_minor, '10000');
  assert.equal(captured.released_minor, '2345');

  const refunded = await call(payments, 'Refund', {
    request_id: id(), authorization_id: approved.authorization_id, amount_minor: '4000', currency: 'CNY',
  });
  assert.equal(refunded.refunded_minor, '4000');
  assert.equal(refunded.refunded_total_minor, '4000');

  const { account } = await call(accounts, 'GetAccount', { account_id });
  assert.equal(account.credit_limit_minor, '500000');
  assert.equal(account.available_credit_minor, String(500000 - 10000 + 4000));
});

test('a decline carries its reason in both languages', async () => {
  const account_id = `node-${id()}`;
  await call(admin, 'UpsertAccount', { request_id: id(), account_id, credit_limit_minor: '10000', tier: 'TIER_STANDARD' });
  const declined = await call(payments, 'Authorize', {
    request_id: id(), account_id, channel: 'CHANNEL_WALLET', amount_minor: '20000', currency: 'CNY', merchant: MERCHANT,
  });
  assert.equal(declined.decision, 'DECISION_DECLINED');
  assert.equal(declined.reason, 'REASON_INSUFFICIENT_CREDIT');
  assert.equal(declined.reasons[0].iso8583_code, '51');
  assert.ok(declined.reasons[0].message_en.length > 0 && declined.reasons[0].message_zh.length > 0);
});

test('errors are gRPC statuses with google.rpc details', async () => {
  await assert.rejects(
    call(payments, 'Authorize', {
      request_id: id(), account_id: 'node-nobody', channel: 'CHANNEL_WALLET', amount_minor: '100', currency: 'CNY', merchant: MERCHANT,
    }),
    (error) => error.code === grpc.status.NOT_FOUND && error.metadata.get('grpc-status-details-bin').length === 1,
  );
  await assert.rejects(
    call(payments, 'Authorize', { request_id: id(), account_id: 'node-x', channel: 'CHANNEL_WALLET', amount_minor: '-1', currency: 'CNY' }),
    (error) => error.code === grpc.status.INVALID_ARGUMENT && /amount_minor/.test(error.details),
  );
});

test.after(() => {
  for (const stub of [admin, payments, accounts]) stub.close();
});
