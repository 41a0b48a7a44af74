"""Fuzzing every method of the contract through a real server.

AUTHCORE_FUZZ_INPUTS inputs (100,000 by default) go to every unary method as raw bytes from
several client threads: random bytes, random protobuf wire records, valid requests mutated byte
by byte (flips, inserts, deletes, truncations, splices of two requests), well-formed requests
with extreme field values, and valid requests with fresh request_ids that move real money; plus
AuthorizeStream calls mixing valid and mutated chunks. Every input follows from one seed, printed
at the start (AUTHCORE_FUZZ_SEED=<seed> runs the same inputs again).

No call may end INTERNAL, UNKNOWN or in any status outside the contract. Afterwards the server is
still SERVING and approves a payment on a fresh account, a sample of the answered requests
replays to the same answer, the ledger's books balance, and a restart from the journal rebuilds
the same state. The statuses seen are printed, with their counts.
"""

from __future__ import annotations

import collections
import json
import math
import os
import random
import struct
import threading
import time

import grpc
import pytest
from google.protobuf import descriptor, descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc

from authcore.journal import effects
from authcore.risk import features
from authcore.decision.columns import bulk_request
from authcore.engine import Engine, default_model_bytes
from authcore.state.ledger import CAPTURED, EXPIRED, HELD, VOIDED
from authcore.decision.money import MAX_AMOUNT_MINOR
from authcore.decision.policy import default_policy
from authcore.api.server import MAX_MESSAGE_BYTES, SERVICE_NAMES, create_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2, diagnostics_pb2,
    installment_pb2 as inst,
)

from conftest import Clock, connect
from helpers import error_reason, violated_fields
from test_scorecard import small_card
from test_snapshot import equal_state

INPUTS = int(os.environ.get("AUTHCORE_FUZZ_INPUTS", "100000"))
THREADS = 4
# The statuses of the contract: anything else (INTERNAL, UNKNOWN, UNAVAILABLE, a deadline) is a bug.
# RESOURCE_EXHAUSTED is not among them: no input here is over the message limit, nor are there
# enough accounts or limit profiles to reach theirs.
EXPECTED = frozenset({
    grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED,
})
DEADLINE_S = 60
STREAM = "/authcore.v1.AuthorizationService/AuthorizeStream"
MUTATING = frozenset(("Authorize", "AuthorizeBatch", "AuthorizeBulk", "Capture", "Void", "Refund", "Repay",
                      "UpsertAccount", "SetPolicy", "SetRiskModel", "SetScorecard", "SetAutoInstallment"))
# How often each method is picked, against 3 for the others: the cheap, central ones more, the
# ones that take the whole state exclusively (policy, model, scorecard) less.
WEIGHTS = {"Authorize": 12, "AuthorizeBatch": 4, "AuthorizeBulk": 4, "Capture": 5, "Void": 4, "Refund": 4,
           "UpsertAccount": 5, "SetPolicy": 1, "SetRiskModel": 1, "SetScorecard": 1, "GetPolicy": 1,
           "GetRiskModel": 1, "GetScorecard": 1}


def unary_methods() -> dict[str, tuple[type, type]]:
    """Every unary method of authcore's services by path, with its request and response classes."""
    pool = descriptor_pool.Default()
    out = {}
    for name in SERVICE_NAMES:
        for method in pool.FindServiceByName(name).methods:
            if not (method.client_streaming or method.server_streaming):
                out[f"/{name}/{method.name}"] = (message_factory.GetMessageClass(method.input_type),
                                                 message_factory.GetMessageClass(method.output_type))
    return out


# -- seeds: valid requests of every method ------------------------------------------------------

def linear_model(intercept: float = -3.0) -> bytes:
    n = len(features.NAMES)
    return json.dumps({"format": "authcore-linear-v1", "features": features.NAMES, "coefficients": [0.001] * n,
                       "intercept": intercept, "fill_values": [0.0] * n}).encode()


def small_lightgbm_text() -> bytes:
    """The header and the first two trees of the shipped model."""
    text = default_model_bytes().decode()
    header, _, body = text.partition("\nTree=")
    trees = body.split("\nTree=")[:2]
    return ("\nTree=".join([header, *trees]).rstrip() + "\nend of trees\n").encode()


def small_lightgbm_json() -> bytes:
    leaf = lambda v: {"leaf_value": v, "leaf_weight": 1.0}  # noqa: E731
    return json.dumps({"num_class": 1, "objective": "binary sigmoid:1", "max_feature_idx": len(features.NAMES) - 1,
                       "feature_names": features.NAMES, "tree_info": [{"tree_structure": {
                           "split_feature": 0, "threshold": 100_000.0, "decision_type": "<=", "default_left": True,
                           "missing_type": "NaN", "left_child": leaf(-3.0), "right_child": {
                               "split_feature": 13, "threshold": 0.5, "decision_type": "<=", "missing_type": "None",
                               "left_child": leaf(-2.0), "right_child": leaf(-1.0)}}}]}).encode()


def small_xgboost_json() -> bytes:
    return json.dumps({"learner": {
        "objective": {"name": "binary:logistic"}, "feature_names": features.NAMES,
        "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": str(len(features.NAMES)),
                                "num_target": "1"},
        "gradient_booster": {"name": "gbtree", "model": {"trees": [{
            "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
            "split_conditions": [100_000.0, -3.0, -1.0], "default_left": [1, 0, 0], "split_type": [0, 0, 0],
            "sum_hessian": [2.0, 1.0, 1.0]}]}}}}).encode()


def seed_requests(client, held: list[str], captured: list[str]) -> dict[str, list]:
    """Valid requests of every method, by method name, over the accounts and holds set up."""
    policy = default_policy()
    policy.version = "fuzz-seed"
    full = client.pay_request("fz-a", 12_000, c.CHANNEL_SCAN_TO_PAY, qr_code_type=c.QR_CODE_TYPE_DYNAMIC,
                   factors=[c.VERIFICATION_FACTOR_PASSWORD, c.VERIFICATION_FACTOR_BIOMETRIC],
                   device=authz.Device(device_id="dev-1", ip="203.0.113.7", latitude=31.23, longitude=121.47),
                   installment_term_months=3)
    full.occurred_at.seconds = 1_795_000_000
    batch = [client.pay_request(a, 1_000 + i) for i, a in enumerate(("fz-a", "fz-b", "fz-new"))]
    return {
        "Authorize": [client.pay_request("fz-a", 1_500), full,
                      client.pay_request("fz-b", 800, c.CHANNEL_QUICK_PAY, merchant=authz.Merchant(
                          merchant_id="m-9", mcc="5812", country="HK")),
                      client.pay_request("fz-new", 5_000, c.CHANNEL_SCAN_TO_PAY, qr_code_type=c.QR_CODE_TYPE_STATIC)],
        "AuthorizeBatch": [authz.AuthorizeBatchRequest(requests=batch)],
        "AuthorizeBulk": [bulk_request(client.rid(), batch + [full])],
        "Capture": [authz.CaptureRequest(request_id=client.rid(), authorization_id=held[0], currency="CNY"),
                    authz.CaptureRequest(request_id=client.rid(), authorization_id=held[1], amount_minor=500,
                                         currency="CNY")],
        "Void": [authz.VoidRequest(request_id=client.rid(), authorization_id=held[2])],
        "Refund": [authz.RefundRequest(request_id=client.rid(), authorization_id=captured[0], amount_minor=300,
                                       currency="CNY")],
        "GetAccount": [account_pb2.GetAccountRequest(account_id="fz-a")],
        "Repay": [account_pb2.RepayRequest(request_id=client.rid(), account_id="fz-a", amount_minor=200,
                                           currency="CNY")],
        "UpsertAccount": [
            admin_pb2.UpsertAccountRequest(request_id=client.rid(), account_id="fz-c", credit_limit_minor=300_000,
                                           tier=c.TIER_PREMIUM, time_zone="UTC", currency="CNY", credit_score=612.5,
                                           limit_overrides=c.LimitProfile(daily_count=40, channels=[
                                               c.ChannelLimits(channel=c.CHANNEL_QUICK_PAY, allowed=True,
                                                               per_transaction_minor=50_000)])),
            admin_pb2.UpsertAccountRequest(request_id=client.rid(), account_id="fz-b", credit_limit_minor=900_000,
                                           status=c.ACCOUNT_STATUS_ACTIVE, overdue_minor=0)],
        "GetPolicy": [admin_pb2.GetPolicyRequest()],
        "SetPolicy": [admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=policy)],
        "SetRiskModel": [admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=model, version=f"fz-{i}")
                         for i, model in enumerate((linear_model(), small_lightgbm_text(), small_lightgbm_json(),
                                                    small_xgboost_json()))],
        "GetRiskModel": [admin_pb2.GetRiskModelRequest()],
        "SetScorecard": [admin_pb2.SetScorecardRequest(request_id=client.rid(), scorecard=small_card())],
        "GetScorecard": [admin_pb2.GetScorecardRequest()],
        "AssessCredit": [credit_pb2.AssessCreditRequest(applicant_id="ap-1", attributes=[
            credit_pb2.ApplicantAttribute(name="age", number=41), credit_pb2.ApplicantAttribute(name="job",
                                                                                                category="self")])],
        "QuoteInstallments": [inst.QuoteInstallmentsRequest(account_id="fz-a", amount_minor=120_000, currency="CNY",
                                                            channel=c.CHANNEL_WALLET, mcc="5411")],
        "SetAutoInstallment": [
            inst.SetAutoInstallmentRequest(request_id=client.rid(), account_id="fz-a",
                                           setting=inst.AutoInstallment(enabled=True, term_months=6,
                                                                        threshold_minor=200_000)),
            inst.SetAutoInstallmentRequest(request_id=client.rid(), account_id="fz-b",
                                           setting=inst.AutoInstallment(enabled=False))],
        "GetAutoInstallment": [inst.GetAutoInstallmentRequest(account_id="fz-a")],
        "Echo": [diagnostics_pb2.EchoRequest(payload=b"x" * 40, response_bytes=16)],
    }


# -- inputs -------------------------------------------------------------------------------------

C = descriptor.FieldDescriptor
INT64S = (0, 1, -1, 2, 3, 60, 61, 2**31 - 1, -2**31, 2**63 - 1, -2**63, MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR + 1,
          10**9 + 1, 50_001, 100_001)
INT32S = (0, 1, -1, 2, 3, 4, 7, 12, 60, 61, 99, 1_000, 1_001, 2**31 - 1, -2**31, 1 << 20, (1 << 20) + 1)
UINT32S = (0, 1, 2, 15, 16, 255, 2**31, 2**32 - 1)
UINT64S = (0, 1, 2**63, 2**64 - 1)
DOUBLES = (0.0, -0.0, 1.0, -1.0, 0.5, 90.0, 90.000001, -180.5, 1e6, 1e308, -1e308, 5e-324, math.nan, math.inf,
           -math.inf)
STRINGS = ("", "a", "0", "CNY", "cny", "XYZ", "USD", "CN", "XX", "cn", "5411", "54111", "541", "Asia", "Etc",
           "Asia/Shanghai", "Europe/Berlin", "UTC", "../../etc/passwd", "/etc/localtime", "a" * 64, "a" * 65,
           "r" * 128, "r" * 129, "x" * 5_000, "\x00", "a\x00b", "\n", "a b", "-lead", "_lead", "id.with:colon-",
           "分期付款", "\U0001F600" * 40, "::1", "999.1.1.1", "10.0.0.1", "fz-a", "fz-b", "fz-new", "Infinity", "NaN",
           "tree\n", "{}", "[]")
BYTES = (b"", b"\x00", b"{}", b"[]", b"tree\n", b"\xff" * 64, b"x" * 70_000, b"null", b"[" * 5_000,
         b'{"format": "authcore-linear-v1"}')
COUNTS = (0, 1, 2, 3, 4, 9, 51, 201, 1_001, 10_001)


def _scalar(field: descriptor.FieldDescriptor, rng: random.Random):
    kind = field.cpp_type
    if kind == C.CPPTYPE_STRING:
        return rng.choice(BYTES) if field.type == C.TYPE_BYTES else rng.choice(STRINGS)
    if kind in (C.CPPTYPE_DOUBLE, C.CPPTYPE_FLOAT):
        value = rng.choice(DOUBLES) if rng.random() < 0.8 else rng.uniform(-1e3, 1e3)
        return value if kind == C.CPPTYPE_DOUBLE or not math.isfinite(value) else max(-3e38, min(3e38, value))
    if kind == C.CPPTYPE_BOOL:
        return rng.random() < 0.5
    if kind == C.CPPTYPE_INT64:
        return rng.choice(INT64S) if rng.random() < 0.8 else rng.randint(-10**6, 10**7)
    if kind in (C.CPPTYPE_INT32, C.CPPTYPE_ENUM):
        return rng.choice(INT32S) if rng.random() < 0.8 else rng.randint(-10, 1_000)
    if kind == C.CPPTYPE_UINT32:
        return rng.choice(UINT32S)
    return rng.choice(UINT64S)


def extreme(message, rng: random.Random, depth: int = 0) -> None:
    """Set one field somewhere in message to an extreme or odd value (a well-formed message)."""
    fields = message.DESCRIPTOR.fields
    if not fields:
        return
    field = rng.choice(fields)
    value = getattr(message, field.name)
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key_field, value_field = field.message_type.fields
        for _ in range(rng.choice(COUNTS[:6])):
            key = _scalar(key_field, rng)
            if value_field.message_type is None:
                value[key] = _scalar(value_field, rng)
            else:
                extreme(value[key], rng, depth + 1)
    elif field.is_repeated and field.message_type is not None:
        count = rng.choice(COUNTS)
        if value and rng.random() < 0.5 and depth < 4:
            extreme(rng.choice(value), rng, depth + 1)
        elif count and len(value) and rng.random() < 0.7:
            template = value[rng.randrange(len(value))]
            for _ in range(min(count, 1_001)):
                value.add().CopyFrom(template)
        else:
            for _ in range(min(count, 201)):
                element = value.add()
                if rng.random() < 0.3:
                    extreme(element, rng, depth + 1)
    elif field.is_repeated:
        count = rng.choice(COUNTS)
        # A few values, repeated to the count: long columns cost no more to make than short ones.
        values = [_scalar(field, rng) for _ in range(min(count, 8))]
        if field.cpp_type == C.CPPTYPE_STRING and count > 201:
            values = [v[:16] for v in values]
        value.extend((values * (count // 8 + 1))[:count])
    elif field.message_type is not None:
        if rng.random() < 0.15:
            message.ClearField(field.name)
        elif depth < 5:
            extreme(value, rng, depth + 1)
        else:
            value.SetInParent()
    else:
        setattr(message, field.name, _scalar(field, rng))


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def random_wire(rng: random.Random, depth: int = 0) -> bytes:
    """Protobuf-shaped bytes: fields of random numbers and wire types (some invalid)."""
    out = bytearray()
    for _ in range(rng.randint(1, 6)):
        number = rng.randint(1, 16) if rng.random() < 0.9 else rng.choice((0, 19_000, 2**29 - 1, rng.randrange(2**29)))
        wire = rng.choice((0, 0, 1, 2, 2, 2, 5, 3, 4, 6, 7))
        out += varint(number << 3 | wire)
        if wire == 0:
            out += varint(rng.choice(INT64S + UINT64S))
        elif wire == 1:
            out += struct.pack("<d", rng.choice(DOUBLES)) if rng.random() < 0.5 else rng.randbytes(8)
        elif wire == 2:
            choice = rng.random()
            payload = (random_wire(rng, depth + 1) if choice < 0.4 and depth < 3
                       else rng.choice(STRINGS).encode() if choice < 0.8 else rng.randbytes(rng.randint(0, 40)))
            out += varint(len(payload) + rng.choice((0, 0, 0, 0, 1, -1, 1_000)) if rng.random() < 0.9 else 2**40)
            out += payload
        elif wire == 5:
            out += rng.randbytes(4)
    return bytes(out)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """data with 1 to 8 byte-level mutations."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(8)
        at = rng.randint(0, len(out))
        if op == 0 and out:                      # flip a bit
            at = min(at, len(out) - 1)
            out[at] ^= 1 << rng.randrange(8)
        elif op == 1 and out:                    # an interesting byte
            out[min(at, len(out) - 1)] = rng.choice((0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12))
        elif op == 2:                            # insert bytes
            out[at:at] = rng.randbytes(rng.randint(1, 8))
        elif op == 3:                            # delete a range
            del out[at:at + rng.randint(1, 16)]
        elif op == 4:                            # truncate
            del out[at:]
        elif op == 5 and out:                    # duplicate a range
            end = min(len(out), at + rng.randint(1, 32))
            out[end:end] = out[at:end]
        elif op == 6:                            # an overlong varint
            out[at:at] = b"\xff" * rng.randint(1, 10) + b"\x01"
        else:                                    # a random field
            out[at:at] = random_wire(rng)
    return bytes(out)


class Fuzzer:
    """One client thread's inputs: follows from its own seed."""

    def __init__(self, seed: int, index: int, channel: grpc.Channel, methods: dict, seeds: dict, pools: dict):
        self.rng = random.Random(seed * 1_000 + index)
        self.index = index
        self.methods = methods
        self.paths = list(methods)
        self.weights = [WEIGHTS.get(path.rsplit("/", 1)[1], 3) for path in self.paths]
        self.seeds = seeds
        self.pools = pools
        self.calls = {path: channel.unary_unary(path, request_serializer=None, response_deserializer=None)
                      for path in self.paths}
        self.stream = channel.stream_stream(STREAM, request_serializer=None, response_deserializer=None)
        self.counter = 0
        self.statuses: collections.Counter = collections.Counter()
        self.by_method: collections.Counter = collections.Counter()
        self.strategies: collections.Counter = collections.Counter()
        self.failures: list = []
        self.answered: list = []
        self.inputs = 0

    def fresh_id(self) -> str:
        self.counter += 1
        return f"fz{self.index}-{self.counter}"

    def seed_of(self, path: str):
        seeds = self.seeds.get(path.rsplit("/", 1)[1])
        template = self.rng.choice(seeds) if seeds else self.methods[path][0]()
        message = type(template)()
        message.CopyFrom(template)
        return message

    def freshen(self, name: str, message) -> None:
        """A new request_id, and an account or hold of the pools, so the request really acts."""
        rng, pools = self.rng, self.pools
        if "request_id" in message.DESCRIPTOR.fields_by_name:
            message.request_id = self.fresh_id()
        if "authorization_id" in message.DESCRIPTOR.fields_by_name and pools["authorizations"]:
            message.authorization_id = rng.choice(pools["authorizations"])
        if "account_id" in message.DESCRIPTOR.fields_by_name and name != "UpsertAccount":
            message.account_id = rng.choice(pools["accounts"])
        if name == "UpsertAccount" and rng.random() < 0.5:
            message.account_id = f"fz-acct-{self.index}-{self.counter}"
        if name == "Authorize":
            message.amount_minor = rng.choice((1, 100, 1_000, 5_000, 20_000, 60_000, 150_000))
        if name == "AuthorizeBatch":
            for item in message.requests:
                item.request_id, item.account_id = self.fresh_id(), rng.choice(pools["accounts"])
        if name == "AuthorizeBulk":
            message.account_ids[:] = [rng.choice(pools["accounts"]) for _ in message.account_ids]
        if name == "SetPolicy":
            message.policy.version = f"fz-{self.index}-{self.counter}"
            message.policy.hold_ttl_seconds = rng.choice((60, 3_600, 86_400, 7 * 86_400))

    def make(self, path: str) -> tuple[str, bytes]:
        rng = self.rng
        name = path.rsplit("/", 1)[1]
        roll = rng.random()
        if roll < 0.06:
            return "random", rng.randbytes(rng.choice((0, 1, 2, 5, 16, 64, 300, 2_000)))
        if roll < 0.14:
            return "wire", random_wire(rng)
        if roll < 0.46:
            return "mutate", mutate(self.seed_of(path).SerializeToString(), rng)
        if roll < 0.54:
            other = self.seed_of(rng.choice(self.paths) if rng.random() < 0.3 else path).SerializeToString()
            mine = self.seed_of(path).SerializeToString()
            if rng.random() < 0.5:
                return "splice", mine + other  # protobuf merges concatenated messages
            return "splice", mine[:rng.randint(0, len(mine))] + other[rng.randint(0, len(other)):]
        message = self.seed_of(path)
        if roll < 0.82:
            for _ in range(rng.randint(1, 3)):
                extreme(message, rng)
            if rng.random() < 0.3:
                self.freshen(name, message)
            elif rng.random() < 0.5 and "request_id" in message.DESCRIPTOR.fields_by_name:
                message.request_id = self.fresh_id()
            data = message.SerializeToString()
            return ("extreme", data) if len(data) < MAX_MESSAGE_BYTES else ("extreme", data[:1_000])
        self.freshen(name, message)
        return "fresh", message.SerializeToString()

    def record(self, path: str, strategy: str, data: bytes, code: grpc.StatusCode, error=None) -> None:
        self.statuses[code] += 1
        self.by_method[path.rsplit("/", 1)[1], code] += 1
        self.strategies[strategy] += 1
        if code not in EXPECTED and len(self.failures) < 20:
            details = error.details() if error is not None else ""
            self.failures.append(f"{path} [{strategy}] -> {code.name}: {details[:300]} input={data[:400].hex()}")

    def call(self, path: str) -> None:
        strategy, data = self.make(path)
        try:
            response, call = self.calls[path].with_call(data, timeout=DEADLINE_S)
        except grpc.RpcError as error:
            self.record(path, strategy, data, error.code(), error)
            return
        self.record(path, strategy, data, grpc.StatusCode.OK)
        self.learn(path, data, response, call)

    def learn(self, path: str, data: bytes, response: bytes, call) -> None:
        """Holds and accounts made by fresh requests join the pools; a sample of the answered
        mutating requests is kept to replay at the end."""
        name = path.rsplit("/", 1)[1]
        if name == "Authorize":
            answer = authz.AuthorizeResponse.FromString(response)
            if answer.authorization_id:
                self.pools["authorizations"].append(answer.authorization_id)
        elif name == "UpsertAccount":
            self.pools["accounts"].append(admin_pb2.UpsertAccountResponse.FromString(response).account.account_id)
        replayed = any(key == "authcore-replayed" for key, _ in call.trailing_metadata() or ())
        if name == "AuthorizeBatch" and any(result.HasField("error") for result in
                                            authz.AuthorizeBatchResponse.FromString(response).results):
            return  # an item refused is no answer to replay: it is decided anew when retried
        if name in MUTATING and not replayed and self.rng.random() < 0.02 and len(self.answered) < 100:
            self.answered.append((path, data, response))

    def stream_call(self) -> None:
        chunks = []
        for _ in range(self.rng.randint(1, 4)):
            message = authz.AuthorizeStreamRequest(chunk=self.seed_of("/AuthorizeBulk"))
            roll = self.rng.random()
            if roll < 0.4:
                self.freshen("AuthorizeBulk", message.chunk)
                message.chunk.request_id = self.fresh_id()
                data, strategy = message.SerializeToString(), "fresh"
            elif roll < 0.7:
                extreme(message.chunk, self.rng)
                message.chunk.request_id = self.fresh_id()
                data, strategy = message.SerializeToString(), "extreme"
            else:
                data, strategy = mutate(message.SerializeToString(), self.rng), "mutate"
            chunks.append(data)
        try:
            answers = list(self.stream(iter(chunks), timeout=DEADLINE_S))
            code, error = grpc.StatusCode.OK, None
        except grpc.RpcError as failed:
            answers, code, error = [], failed.code(), failed
        self.inputs += len(chunks) - 1
        self.record(STREAM, f"stream-{strategy}", b"".join(chunks), code, error)
        assert len(answers) <= len(chunks)

    def run(self, n: int, clock: Clock) -> None:
        try:
            self._run(n, clock)
        except BaseException as exc:  # the test fails on it, with the seed
            self.failures.append(f"client thread {self.index} failed: {exc!r}")
            raise

    def _run(self, n: int, clock: Clock) -> None:
        for i in range(n):
            if self.rng.random() < 0.004:
                self.stream_call()
            else:
                self.call(self.rng.choices(self.paths, self.weights)[0])
            self.inputs += 1
            if self.index == 0 and i % max(1, n // 40) == 0:
                # Forty hours go by over the run (holds expire, limit windows reset), inside
                # the 48 h in which request_ids replay.
                clock.advance(3_600)


# -- the run ------------------------------------------------------------------------------------

def setup_state(client) -> tuple[list[str], list[str]]:
    """Accounts of every kind, a scorecard, holds to capture and void, captures to refund."""
    client.upsert("fz-a", 5_000_000, tier=c.TIER_PREMIUM)
    client.upsert("fz-b", 1_000_000, tier=c.TIER_STANDARD)
    client.upsert("fz-new", 200_000)
    client.upsert("fz-frozen", 1_000_000, tier=c.TIER_STANDARD, status=c.ACCOUNT_STATUS_FROZEN)
    client.upsert("fz-closed", 1_000_000, status=c.ACCOUNT_STATUS_CLOSED)
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id=client.rid(), scorecard=small_card()))
    held = [client.pay(account, 3_000).authorization_id for account in ("fz-a", "fz-a", "fz-b", "fz-b", "fz-a")]
    assert all(held)
    for authorization_id in held[3:]:
        client.authz.Capture(authz.CaptureRequest(request_id=client.rid(), authorization_id=authorization_id,
                                                  currency="CNY"))
    return held[:3], held[3:]


def check_books(engine: Engine, journal: Journal) -> list[str]:
    """The ledger's invariants, from its own tables and the journal: held is the open holds,
    posted is captures less refunds less repayments, available is limit - posted - held and is
    negative only on an account whose limit was lowered after it was created."""
    ledger = engine.ledger
    failures = []
    repaid, upserts = collections.Counter(), collections.Counter()
    # Holds dropped after their refund window are gone from the hold table, their money not from
    # the books: what each dropped hold left posted, from its captures and refunds in the journal.
    account_of, net, dropped = {}, collections.Counter(), []
    for record in journal.records():
        effect = effects.decode(record.effect) if record.effect else effects.JournalEffect()
        kind = effect.WhichOneof("effect")
        if kind == "repaid":
            repaid[effect.repaid.account_id] += effect.repaid.amount_minor
        elif kind == "account_set":
            upserts[effect.account_set.account_id] += 1
        elif kind == "hold_placed":
            account_of[effect.hold_placed.authorization_id] = effect.hold_placed.account_id
        elif kind == "holds_placed":
            account_of.update(zip(effect.holds_placed.authorization_ids, effect.holds_placed.account_ids))
        elif kind == "hold_captured":
            net[effect.hold_captured.authorization_id] += effect.hold_captured.amount_minor
        elif kind == "hold_refunded":
            net[effect.hold_refunded.authorization_id] -= effect.hold_refunded.amount_minor
        elif kind == "holds_dropped":
            dropped.extend(effect.holds_dropped.authorization_ids)
    held, posted = collections.Counter(), collections.Counter()
    for authorization_id in dropped:
        if ledger.holds.get(authorization_id) is not None:
            failures.append(f"hold {authorization_id} was dropped and is still there")
        posted[ledger.slot_of[account_of[authorization_id]]] += net[authorization_id]
    for hold in ledger.holds.values():
        if not 0 <= hold.refunded <= hold.captured <= hold.amount:
            failures.append(f"hold {hold.authorization_id}: refunded {hold.refunded} captured {hold.captured} "
                            f"of {hold.amount}")
        if hold.state == HELD:
            held[hold.slot] += hold.amount
        if hold.state in (HELD, VOIDED, EXPIRED) and (hold.captured or hold.refunded):
            failures.append(f"hold {hold.authorization_id} is {hold.state} with money captured")
        if hold.state == CAPTURED:
            posted[hold.slot] += hold.captured - hold.refunded
    for slot in range(ledger.n_accounts):
        account_id = ledger.account_ids[slot]
        row = ledger.row(slot)
        view = engine.get_account(account_pb2.GetAccountRequest(account_id=account_id)).account
        if int(row["held"]) != held[slot] or view.held_minor != held[slot]:
            failures.append(f"{account_id}: held {int(row['held'])}, open holds add up to {held[slot]}")
        if int(row["posted"]) != posted[slot] - repaid[account_id]:
            failures.append(f"{account_id}: posted {int(row['posted'])}, captures - refunds - repayments = "
                            f"{posted[slot] - repaid[account_id]}")
        if view.available_credit_minor != view.credit_limit_minor - view.posted_balance_minor - view.held_minor:
            failures.append(f"{account_id}: available != limit - posted - held")
        if view.available_credit_minor < 0 and upserts[account_id] < 2:
            failures.append(f"{account_id}: available {view.available_credit_minor} below zero, limit never lowered")
        if not (0 <= view.credit_limit_minor <= MAX_AMOUNT_MINOR and view.overdue_minor >= 0):
            failures.append(f"{account_id}: limit {view.credit_limit_minor}, overdue {view.overdue_minor}")
    return failures


@pytest.fixture
def fuzz_seed():
    return int(os.environ.get("AUTHCORE_FUZZ_SEED") or random.SystemRandom().randrange(2**32))


def test_fuzz_every_method(tmp_path, fuzz_seed, capsys):
    with capsys.disabled():
        print(f"\nfuzz: seed {fuzz_seed} (AUTHCORE_FUZZ_SEED={fuzz_seed} repeats it), {INPUTS} inputs, "
              f"{THREADS} client threads")
    clock = Clock()
    data_dir = tmp_path / "data"
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=0.2,
                            snapshot_every_records=10**9).start()
    client = connect(service.port)
    try:
        held, captured = setup_state(client)
        seeds = seed_requests(client, held, captured)
        methods = unary_methods()
        pools = {"accounts": ["fz-a", "fz-b", "fz-new", "fz-frozen", "fz-closed", "nobody"],
                 "authorizations": collections.deque(held + captured, maxlen=4_000)}
        fuzzers = [Fuzzer(fuzz_seed, i, client.channel, methods, seeds, pools) for i in range(THREADS)]
        started = time.perf_counter()
        threads = [threading.Thread(target=f.run, args=(INPUTS // THREADS + (i < INPUTS % THREADS), clock))
                   for i, f in enumerate(fuzzers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall_s = time.perf_counter() - started

        statuses = sum((f.statuses for f in fuzzers), collections.Counter())
        by_method = sum((f.by_method for f in fuzzers), collections.Counter())
        strategies = sum((f.strategies for f in fuzzers), collections.Counter())
        failures = [line for f in fuzzers for line in f.failures]
        inputs = sum(f.inputs for f in fuzzers)
        with capsys.disabled():
            print(f"fuzz: {inputs} inputs in {wall_s:.1f} s ({inputs / wall_s:.0f}/s); by strategy "
                  + ", ".join(f"{k} {v}" for k, v in strategies.most_common()))
            print("fuzz: statuses " + ", ".join(f"{code.name} {n}" for code, n in statuses.most_common()))
            for name in sorted({name for name, _ in by_method}):
                print(f"  {name:<20} " + ", ".join(f"{code.name} {n}" for (m, code), n in by_method.most_common()
                                                  if m == name))
        assert inputs >= INPUTS
        assert not failures, f"seed {fuzz_seed}: statuses outside the contract:\n" + "\n".join(failures)
        assert set(statuses) <= EXPECTED
        called = {name for name, _ in by_method}
        assert not [path for path in methods if path.rsplit("/", 1)[1] not in called], "every method is called"

        # Still serving, and a payment on a fresh account is approved under the shipped policy
        # and a model that approves.
        client.counter = 10**9  # past the request_ids the seeds took
        health = health_pb2_grpc.HealthStub(client.channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        policy = default_policy()
        policy.version = f"after-fuzz-{fuzz_seed}"
        client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=f"after-{fuzz_seed}-p", policy=policy))
        client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=f"after-{fuzz_seed}-m",
                                                                model=linear_model(-12.0), version="approves"))
        client.upsert(f"after-{fuzz_seed}", 1_000_000, tier=c.TIER_STANDARD)
        assert client.pay(f"after-{fuzz_seed}", 1_000).decision == c.DECISION_APPROVED

        # Answered requests replay to the same answer (maps may encode in another order), and
        # change nothing again.
        for path, data, response in (a for f in fuzzers for a in f.answered):
            again, call = fuzzers[0].calls[path].with_call(data, timeout=DEADLINE_S)
            parse = methods[path][1].FromString
            assert parse(again) == parse(response), f"seed {fuzz_seed}: {path} replayed differently"
            # A batch is no request of its own: its items replay, each under its request_id.
            assert path.endswith("AuthorizeBatch") or ("authcore-replayed", "true") in tuple(call.trailing_metadata())
    finally:
        client.channel.close()
        service.stop(grace_s=5)

    journal = Journal(data_dir)
    try:
        failures = check_books(engine, journal)
    finally:
        journal.close()
    assert not failures, f"seed {fuzz_seed}:\n" + "\n".join(failures[:20])
    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        equal_state(engine, restarted)
    finally:
        restarted.close()


# -- inputs that once failed ---------------------------------------------------------------------

def lightgbm_text(tree: str) -> bytes:
    """The shipped model's header over one hand-written tree."""
    header = small_lightgbm_text().decode().partition("\nTree=")[0]
    return f"{header}\nTree=0\n{tree}\nend of trees\n".encode()


# A tree whose node 1 points back at the root: laid out, it grew without end.
CYCLIC_TREE = ("num_leaves=3\nnum_cat=0\nsplit_feature=0 1\nthreshold=1.5 2.5\ndecision_type=2 2\n"
               "left_child=1 0\nright_child=-1 -2\nleaf_value=0.1 0.2 0.3\nleaf_weight=1 1 1")
HUGE_TREE = "num_leaves=2000000000\nnum_cat=0\nsplit_feature=0\nthreshold=1\ndecision_type=2\nleaf_value=0.1 0.2"
NEGATIVE_FEATURE_TREE = ("num_leaves=2\nnum_cat=0\nsplit_feature=-1\nthreshold=1.5\ndecision_type=2\n"
                         "left_child=-1\nright_child=-2\nleaf_value=0.1 0.2\nleaf_weight=1 1")
LONG_MISSING_TYPE = json.dumps({"objective": "binary", "max_feature_idx": 25, "feature_names": features.NAMES, "tree_info": [
    {"tree_structure": {"decision_type": "<=", "missing_type": "x" * 50_000, "split_feature": 0, "threshold": 1,
                        "left_child": {"leaf_value": 0}, "right_child": {"leaf_value": 1}}}]}).encode()


def model_request(model: bytes) -> admin_pb2.SetRiskModelRequest:
    return admin_pb2.SetRiskModelRequest(request_id="m-1", model=model)


# name, method path, request bytes, what was wrong before, the field named now (None: any)
ONCE_FAILED = [
    ("garbage-authorize", "/authcore.v1.AuthorizationService/Authorize", b"\xff\xff\xff\xff",
     "INTERNAL from grpc's decoding", ""),
    ("invalid-utf8-string", "/authcore.v1.AccountService/GetAccount", b"\x0a\x02\xff\xfe",
     "INTERNAL from grpc's decoding", ""),
    ("truncated-echo", "/authcore.v1.DiagnosticsService/Echo", b"\x0a\x05ab", "INTERNAL from grpc's decoding", ""),
    ("zone-is-a-folder", "/authcore.v1.AdminService/UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="u-1", account_id="a-1", credit_limit_minor=1_000, time_zone="Asia").SerializeToString(),
     "INTERNAL: IsADirectoryError opening the zone", "time_zone"),
    ("model-not-utf8", "/authcore.v1.AdminService/SetRiskModel", model_request(b"\xff\xfe{}").SerializeToString(),
     "INTERNAL: UnicodeDecodeError", "model"),
    ("model-json-list", "/authcore.v1.AdminService/SetRiskModel", model_request(b"[]").SerializeToString(),
     "INTERNAL: AttributeError", "model"),
    ("model-nested-too-deep", "/authcore.v1.AdminService/SetRiskModel",
     model_request(b"[" * 100_000).SerializeToString(), "INTERNAL: RecursionError", "model"),
    ("model-cyclic-tree", "/authcore.v1.AdminService/SetRiskModel",
     model_request(lightgbm_text(CYCLIC_TREE)).SerializeToString(), "never answered, memory without bound", "model"),
    ("model-two-billion-leaves", "/authcore.v1.AdminService/SetRiskModel",
     model_request(lightgbm_text(HUGE_TREE)).SerializeToString(), "allocated 16 GB for leaf weights", "model"),
    ("model-negative-feature", "/authcore.v1.AdminService/SetRiskModel",
     model_request(lightgbm_text(NEGATIVE_FEATURE_TREE)).SerializeToString(),
     "accepted, splitting on the last feature", "model"),
    ("model-error-quoting-50-kb", "/authcore.v1.AdminService/SetRiskModel",
     model_request(LONG_MISSING_TYPE).SerializeToString(), "RESOURCE_EXHAUSTED: trailers over 8 KiB", "model"),
    ("hundreds-of-violations", "/authcore.v1.CreditService/AssessCredit", credit_pb2.AssessCreditRequest(
        applicant_id="ap", attributes=[credit_pb2.ApplicantAttribute(name="n" * 128, number=1)] * 300
    ).SerializeToString(), "RESOURCE_EXHAUSTED: trailers over 8 KiB", "attributes"),
]


@pytest.mark.parametrize("name, path, data, before, field", ONCE_FAILED, ids=[row[0] for row in ONCE_FAILED])
def test_inputs_that_once_failed(client, engine, name, path, data, before, field):
    """Each input once ended as `before`; now it is refused with INVALID_ARGUMENT, names what is
    wrong and changes nothing."""
    records = engine.journal.record_count()
    call = client.channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as info:
        call(data, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, before
    assert field in violated_fields(info.value)
    assert engine.journal.record_count() == records


def test_a_malformed_chunk_ends_the_stream_with_invalid_argument(client, engine):
    client.upsert("acct", 100_000)
    good = authz.AuthorizeStreamRequest(chunk=bulk_request("bulk-1", [client.pay_request("acct", 100)]))
    stream = client.channel.stream_stream(STREAM, request_serializer=None, response_deserializer=None)
    answers = []
    with pytest.raises(grpc.RpcError) as info:
        for answer in stream(iter([good.SerializeToString(), b"\x0a\xff"]), timeout=30):
            answers.append(answer)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(info.value) == "MALFORMED_REQUEST"
    assert len(answers) == 1, "the chunk before it stands"
