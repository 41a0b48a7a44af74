"""Generate docs/api.md and docs/reasons.md from the code they describe.

  python scripts/gen_docs.py           write both pages
  python scripts/gen_docs.py --check   write nothing; exit 1 naming every page that differs from
                                       what would be written

docs/api.md is rendered from a FileDescriptorSet of proto/authcore/v1 built by grpc_tools.protoc
with source info: every service, RPC, message and enum with its comments, who may call each RPC
(authcore.api.identity), how multi-process mode routes it (authcore.cluster.router), and the gRPC statuses
and google.rpc details the server sends, with the ErrorInfo reasons found in the code.
docs/reasons.md is the reasons catalogue of authcore/decision/reasons.py with an introduction.
tests/test_docs.py fails when either page is stale.
"""

from __future__ import annotations

import argparse
import ast
import collections
import pathlib
import re
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
for path in (ROOT, SCRIPTS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from gen_protos import PROTO_ROOT, THIRD_PARTY, WELL_KNOWN, proto_files
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

DOCS = ROOT / "docs"
API_PAGE = DOCS / "api.md"
REASONS_PAGE = DOCS / "reasons.md"
PACKAGE = "authcore.v1"

F = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float", F.TYPE_INT64: "int64", F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32", F.TYPE_FIXED64: "fixed64", F.TYPE_FIXED32: "fixed32", F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string", F.TYPE_BYTES: "bytes", F.TYPE_UINT32: "uint32", F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64", F.TYPE_SINT32: "sint32", F.TYPE_SINT64: "sint64",
}
# Types from outside the contract, linked to their definitions.
EXTERNAL = {
    "google.protobuf.Timestamp": "https://protobuf.dev/reference/protobuf/google.protobuf/#timestamp",
    "google.rpc.Status": "../third_party/proto/google/rpc/status.proto",
}
# SourceCodeInfo path components (descriptor.proto field numbers).
MESSAGE_TYPE, ENUM_TYPE, SERVICE = 4, 5, 6
FIELD, NESTED_TYPE, NESTED_ENUM, ONEOF = 2, 3, 4, 8
ENUM_VALUE, METHOD = 2, 2


# -- the descriptors ----------------------------------------------------------------------------


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """proto/authcore/v1 and its imports, with comments (source info)."""
    with tempfile.TemporaryDirectory(prefix="authcore-docs-") as tmp:
        out = pathlib.Path(tmp) / "authcore.pb"
        args = ["grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{THIRD_PARTY}", f"-I{WELL_KNOWN}",
                f"--descriptor_set_out={out}", "--include_source_info", "--include_imports", *proto_files()]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


class Item:
    """A service, message or enum of the contract, with its comment and where it is defined."""

    def __init__(self, kind: str, name: str, proto, file: str, comment: str, children: list, oneofs: list = ()):
        self.kind, self.name, self.proto, self.file = kind, name, proto, file
        # (descriptor, comment) of its fields, values or RPCs, and of a message's oneofs.
        self.comment, self.children, self.oneofs = comment, children, list(oneofs)


class Contract:
    """Every service, message and enum of the package, in file order, then declaration order
    (a nested type right after its parent)."""

    def __init__(self, fds: descriptor_pb2.FileDescriptorSet):
        self.files = sorted((f for f in fds.file if f.package == PACKAGE), key=lambda f: f.name)
        self.services: list[Item] = []
        self.messages: list[Item] = []
        self.enums: list[Item] = []
        # Full name (no leading dot) -> DescriptorProto, of every message of every file (map entries too).
        self.message_types: dict[str, descriptor_pb2.DescriptorProto] = {}
        for f in fds.file:
            self._index(f.package, f.message_type)
        for f in self.files:
            comments = {tuple(loc.path): loc for loc in f.source_code_info.location}

            def comment(path, comments=comments):
                return comment_text(comments.get(tuple(path)))

            for i, service in enumerate(f.service):
                path = (SERVICE, i)
                methods = [(m, comment((*path, METHOD, j))) for j, m in enumerate(service.method)]
                self.services.append(Item("service", service.name, service, f.name, comment(path), methods))
            for i, message in enumerate(f.message_type):
                self._message(message, message.name, f.name, (MESSAGE_TYPE, i), comment)
            for i, enum in enumerate(f.enum_type):
                self._enum(enum, enum.name, f.name, (ENUM_TYPE, i), comment)

    def _index(self, prefix: str, messages) -> None:
        for message in messages:
            full = f"{prefix}.{message.name}"
            self.message_types[full] = message
            self._index(full, message.nested_type)

    def _message(self, message, name: str, file: str, path: tuple, comment) -> None:
        if message.options.map_entry:
            return  # shown as map<key, value> on its field
        fields = [(field, comment((*path, FIELD, j))) for j, field in enumerate(message.field)]
        oneofs = [(oneof, comment((*path, ONEOF, j))) for j, oneof in enumerate(message.oneof_decl)]
        self.messages.append(Item("message", name, message, file, comment(path), fields, oneofs))
        for j, nested in enumerate(message.nested_type):
            self._message(nested, f"{name}.{nested.name}", file, (*path, NESTED_TYPE, j), comment)
        for j, enum in enumerate(message.enum_type):
            self._enum(enum, f"{name}.{enum.name}", file, (*path, NESTED_ENUM, j), comment)

    def _enum(self, enum, name: str, file: str, path: tuple, comment) -> None:
        values = [(value, comment((*path, ENUM_VALUE, j))) for j, value in enumerate(enum.value)]
        self.enums.append(Item("enum", name, enum, file, comment(path), values))

    def names(self) -> dict[str, list[str]]:
        """kind -> the names of every service, RPC (Service.Method), message and enum."""
        return {
            "service": [s.name for s in self.services],
            "rpc": [f"{s.name}.{m.name}" for s in self.services for m, _ in s.children],
            "message": [m.name for m in self.messages],
            "enum": [e.name for e in self.enums],
        }


def comment_text(location) -> str:
    """A location's leading and trailing comments as one line of text ("" without any)."""
    if location is None:
        return ""
    parts = [location.leading_comments, location.trailing_comments]
    lines = [line.strip() for part in parts for line in part.splitlines()]
    return " ".join(line for line in lines if line)


# -- markdown -----------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_CODE_SPAN = re.compile(r"(`[^`]*`)")


def prose(text: str) -> str:
    """Text from a comment, safe in markdown: < and > outside code spans escaped."""
    parts = _CODE_SPAN.split(text)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;").replace(">", "&gt;") for p in parts)


def cell(text: str) -> str:
    """Text for a table cell."""
    return prose(text).replace("|", "\\|") if text else ""


class Page:
    """Markdown lines, with every heading's anchor checked to be unique (links rely on it)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.anchors: set[str] = set()

    def heading(self, level: int, text: str) -> None:
        anchor = slug(text)
        if anchor in self.anchors:
            raise ValueError(f"two headings with the anchor #{anchor}: rename one")
        self.anchors.add(anchor)
        self.add(f"{'#' * level} {text}", "")

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


# -- who may call, and how multi-process mode routes ------------------------------------------


def who_may_call(service: str, method: str, checks: dict) -> str:
    from authcore.api import identity

    path = f"/{PACKAGE}.{service}/{method}"
    rule = identity.allowed(path)
    callers = identity.IDENTITIES if rule is None else [i for i in identity.IDENTITIES if i in rule]
    text = ", ".join(f"`{c}`" for c in callers)
    if rule is None:
        text = f"any identity ({text})"
    elif rule == identity.ADMIN_ONLY:
        text = "`admin` only"
    notes = []
    done = checks.get((service, method), set())
    if "caller_channel_check" in done:
        notes.append("a channel identity only for a payment on its own channel (another channel is "
                     "`PERMISSION_DENIED` / `CHANNEL_MISMATCH`)")
    if "caller_channels_check" in done:
        notes.append("a channel identity only when every payment is on its own channel (one that is not refuses "
                     "the whole call: `PERMISSION_DENIED` / `CHANNEL_MISMATCH`)")
    if "caller_hold_check" in done:
        note = ("a channel identity only on authorizations made on its own channel (others are "
                "`PERMISSION_DENIED` / `CHANNEL_MISMATCH`)")
        if rule is None or identity.ADMIN in rule:
            note += "; `admin` on any authorization"
        notes.append(note)
    return text + ("; " + "; ".join(notes) if notes else "")


def identity_checks() -> dict[tuple[str, str], set[str]]:
    """(service, method) -> the authcore.api.identity checks its servicer method makes, directly or
    through a helper method of its class (read from authcore/api/server.py)."""
    tree = ast.parse((ROOT / "authcore" / "api" / "server.py").read_text())
    wanted = {"caller_channel_check", "caller_channels_check", "caller_hold_check"}
    out: dict[tuple[str, str], set[str]] = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        service = None
        for base in cls.bases:
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name.endswith("ServiceServicer"):
                service = name.removesuffix("Servicer")
        if service is None:
            continue
        methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}

        def calls(function, seen=(), methods=methods):
            found = set()
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute):
                    if node.attr in wanted:
                        found.add(node.attr)
                    elif (isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in methods
                          and node.attr not in seen):
                        found |= calls(methods[node.attr], (*seen, node.attr), methods)
            return found

        for name, function in methods.items():
            if name[:1].isupper():
                out[(service, name)] = calls(function, (name,))
    return out


# What a caller of a method that multi-process mode does not serve uses there instead.
UNROUTED_INSTEAD = {
    "AuthorizeStream": "bulk callers use `AuthorizeBulk`",
}


def routing(service: str, method: str) -> str:
    from authcore.cluster import router

    route = router.ROUTES.get(f"/{PACKAGE}.{service}/{method}")
    if route is None:
        instead = UNROUTED_INSTEAD.get(method, "")
        return ("refused with `UNIMPLEMENTED`, since one partition would answer from its own accounts only"
                + (f" ({instead})" if instead else ""))
    kind, key = route
    return {
        router.ACCOUNT: f"answered by the partition that owns `{key}`",
        router.AUTHORIZATION: f"answered by the partition named in `{key}`",
        router.BATCH: "split by the owner of each payment's account, one part per partition at once; the results "
                      "put back in order",
        router.BULK: "split by the owner of each payment's account; each partition decides its part under the "
                     "chunk's `request_id`; the columns put back in order",
        router.BROADCAST: "sent to every partition with the same request; partition 0's answer, or the first error",
        router.LOCAL: "answered by the process that took the call",
        router.GATHER: "sent to every partition; the answers merged",
        router.IMPORT: "each chunk validated, then split by the owner of each account; each partition applies its "
                       "part under the chunk's `request_id`, the counts summed. A part a partition refuses ends the "
                       "stream with the rows numbered as sent, while the parts other partitions applied stand: "
                       "retry the chunk with the same `request_id`, or fix it",
        router.WATCH: f"read by the process of the partition named in `{key}` (on a cluster node: this node's "
                      "copy of it when this process is that partition's, else its owner's), the responses relayed "
                      "as they come",
        router.MAP: "answered by the process that took the call: every partition at this server's public address "
                    "(a cluster node: each partition's owner, from the leases)",
    }[kind]


# -- errors -------------------------------------------------------------------------------------


_ERROR_CALL = re.compile(r"\b(FailedPrecondition|PermissionDenied|Refused|NotFound)\(\s*(f?\"[^\"]*\"|[A-Za-z_][\w.]*\[)")


def error_reasons() -> dict[str, list[str]]:
    """Status code name -> the ErrorInfo reasons the server sends with it, read from the code:
    the error classes' own reasons, and the reasons given where FailedPrecondition,
    PermissionDenied, Refused and NotFound are raised. A raise the scan cannot read stops it."""
    from google.rpc import code_pb2

    from authcore.api import admission
    from authcore import errors
    from authcore.journal import versions

    found: dict[int, set[str]] = collections.defaultdict(set)
    for module in (errors, admission):
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, errors.AuthcoreError)
                    and value is not errors.AuthcoreError and "reason" in vars(value)):
                found[value.code].add(value.reason)
    sources = sorted(p for p in (ROOT / "authcore").rglob("*.py") if "v1" not in p.relative_to(ROOT).parts)
    for source in sources:
        text = source.read_text()
        for match in re.finditer(r"\b(FailedPrecondition|PermissionDenied|Refused|NotFound)\(", text):
            if text[max(0, match.start() - 6):match.start()].endswith("class "):
                continue
            call = _ERROR_CALL.match(text, match.start())
            where = f"{source.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
            if call is None:
                raise SystemExit(f"{where}: an error raised with a reason gen_docs cannot read")
            cls, arg = call.groups()
            if cls == "NotFound":
                if arg == 'f"{kind} version"':
                    types = [f"{kind} version" for kind in sorted(versions.EXISTS_REASONS)]
                elif arg.startswith('"'):
                    types = [arg.strip('"')]
                else:
                    raise SystemExit(f"{where}: a NotFound resource type gen_docs cannot read")
                found[code_pb2.NOT_FOUND] |= {errors.NotFound(t, "").reason for t in types}
            elif arg.startswith("EXISTS_REASONS["):
                found[code_pb2.FAILED_PRECONDITION] |= set(versions.EXISTS_REASONS.values())
            elif arg.startswith('"'):
                code = {"FailedPrecondition": code_pb2.FAILED_PRECONDITION, "PermissionDenied": code_pb2.PERMISSION_DENIED,
                        "Refused": admission.Refused.code}[cls]
                found[code].add(arg.strip('"'))
            else:
                raise SystemExit(f"{where}: an error reason gen_docs cannot read ({arg})")
    # InstallmentRefused (SetAutoInstallment) names the first ineligibility.
    found[code_pb2.FAILED_PRECONDITION] |= set(installment_reasons())
    return {code_pb2.Code.Name(code): sorted(reasons) for code, reasons in found.items()}


def installment_reasons() -> list[str]:
    """The InstallmentIneligibility names without their prefix, in declaration order."""
    from authcore.v1 import installment_pb2

    prefix = "INSTALLMENT_INELIGIBILITY_"
    return [value.name.removeprefix(prefix) for value in installment_pb2.InstallmentIneligibility.DESCRIPTOR.values
            if value.number != 0]


def code_list(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def render_errors(page: Page) -> None:
    from authcore.api import admission
    from authcore import errors

    reasons = error_reasons()
    installment = set(installment_reasons())
    precondition = [r for r in reasons["FAILED_PRECONDITION"] if r not in installment]

    def listed(code: str, *, only=None) -> str:
        names = reasons.get(code, [])
        return code_list(names if only is None else [n for n in names if n in only])

    page.heading(2, "Errors")
    page.add(
        "Every refusal is a gRPC status with `google.rpc` details (trailing metadata "
        "`grpc-status-details-bin`; in Python `grpc_status.rpc_status.from_call`). A refusal changes nothing: "
        "retrying it with the same `request_id` is safe. The status message is at most "
        f"{errors.MAX_MESSAGE_BYTES} bytes, and the details stay within the 8 KiB of trailing metadata a client "
        "accepts. In `AuthorizeBatch` each item's error is the same `google.rpc.Status` the unary call would "
        "end with (`AuthorizeBatchResult.error`); in `AuthorizeBulk` a payment that could not be decided is "
        "listed in `errors` with its status.",
        "")
    page.heading(3, "Status codes")
    page.add(
        "| code | when | details | ErrorInfo reasons |",
        "|---|---|---|---|",
        "| `INVALID_ARGUMENT` | a field breaks its rule (every violation is reported at once), or the body is not "
        "a valid protobuf encoding of the request message | `BadRequest`, `ErrorInfo` | "
        f"{listed('INVALID_ARGUMENT')} |",
        "| `NOT_FOUND` | unknown account (in `AuthorizeBulk`: per payment, in `errors`), authorization or stored "
        "version; in multi-process mode also an authorization id that names no partition | `ResourceInfo`, "
        f"`ErrorInfo` | {listed('NOT_FOUND')} (`<resource type>_NOT_FOUND`, from `ResourceInfo.resource_type` "
        "upper-cased, spaces as underscores) |",
        "| `ALREADY_EXISTS` | the `request_id` was used before for another request (other parameters or another "
        f"method) | `ErrorInfo` | {listed('ALREADY_EXISTS')} |",
        "| `ABORTED` | inside an `AuthorizeBatch`, a `request_id` that another call is serving right now (a batch "
        f"does not wait for it); retry | `ErrorInfo` | {listed('ABORTED')} |",
        "| `FAILED_PRECONDITION` | the request is valid but the state forbids it | `ErrorInfo`; for "
        "`SetAutoInstallment` also `PreconditionFailure` and `LocalizedMessage` | "
        f"{code_list(precondition)}; from `SetAutoInstallment`, the first ineligibility: "
        f"{code_list(installment_reasons())} |",
        "| `RESOURCE_EXHAUSTED` | admission control refused the call (too many calls at once, queued too long, "
        "above the caller's rate), or a capacity bound is reached (accounts, limit profiles, stored versions) | "
        "`ErrorInfo`; from admission also `QuotaFailure` and `RetryInfo` | "
        f"{listed('RESOURCE_EXHAUSTED')} |",
        "| `DEADLINE_EXCEEDED` | the call's remaining deadline is below `[limits] min_deadline_ms` when it "
        "reaches a server thread (grpc also ends a call whose deadline passes) | `ErrorInfo` | "
        f"{listed('DEADLINE_EXCEEDED')} |",
        "| `UNAVAILABLE` | the journal could not be written, or a cluster node does not own the call's partition "
        "(nothing changed; retry with the same `request_id`); "
        "also what a client sees when the server is not reachable or the TLS handshake fails (no client "
        f"certificate) | `ErrorInfo` (journal) | {listed('UNAVAILABLE')} |",
        "| `PERMISSION_DENIED` | the caller's identity may not call the method, or not on this channel "
        f"(see each RPC's callers) | `ErrorInfo` | {listed('PERMISSION_DENIED')} |",
        "| `UNAUTHENTICATED` | over mutual TLS, a client certificate that names no authcore identity (or more than "
        f"one) | `ErrorInfo` | {listed('UNAUTHENTICATED')} |",
        "| `UNIMPLEMENTED` | a method not served in multi-process mode (`AuthorizeStream`) | none | - |",
        "| `INTERNAL` | a bug in the server; the message says that nothing was changed if the request is "
        "retried | none | - |",
        "")
    page.heading(3, "Error details")
    page.add(
        "| detail | sent with | content |",
        "|---|---|---|",
        f"| `google.rpc.ErrorInfo` | every authcore refusal | `reason` (above), `domain` `{errors.DOMAIN}`, "
        "`metadata` with the values involved (for example `request_id`, `identity`, `channel`, "
        "`authorized_minor`) |",
        "| `google.rpc.BadRequest` | `INVALID_ARGUMENT` | one `field_violations` entry per broken rule, in order, "
        "`field` as a path (`requests[3].amount_minor`); listed as far as they fit "
        f"{errors.MAX_VIOLATIONS_BYTES:,} bytes, then one entry \"and N more violations\". A body that does not "
        "decode has one violation with an empty `field` (the request as a whole) |",
        "| `google.rpc.ResourceInfo` | `NOT_FOUND` | `resource_type` (`account`, `authorization`, "
        "`policy version`, `model version`, `scorecard version`) and `resource_name` |",
        "| `google.rpc.PreconditionFailure` | `FAILED_PRECONDITION` from `SetAutoInstallment` | every reason "
        "auto-installment cannot be turned on: `type` (an `InstallmentIneligibility` name), `subject` "
        "`auto_installment`, `description` (message and fix) |",
        "| `google.rpc.LocalizedMessage` | `FAILED_PRECONDITION` from `SetAutoInstallment` | the first reason's "
        "message and fix, locale `en` and `zh-CN` |",
        "| `google.rpc.QuotaFailure` | `RESOURCE_EXHAUSTED` from admission control | one violation: `subject` "
        "`identity:<caller>` (`identity:*` when the port is full for everyone, `identity:plaintext` without "
        "TLS), `description` the limit |",
        "| `google.rpc.RetryInfo` | `RESOURCE_EXHAUSTED` from admission control | `retry_delay`: when a retry "
        f"could pass, between {admission.MIN_RETRY_S * 1000:g} ms and {admission.MAX_RETRY_S:g} s |",
        "")
    page.heading(3, "Idempotency and trailing metadata")
    page.add(
        "A request with a `request_id` is idempotent: a retry with the same id (and the same parameters, "
        "on the same method) gets the stored original answer, declines too, with trailing metadata "
        "`authcore-replayed: true`; the same id with other parameters is `ALREADY_EXISTS` / "
        "`REQUEST_ID_REUSED`. Ids are remembered for `[engine] idempotency_retention_s` (48 hours by default). "
        "When the stored answer was dropped to bound memory, a late retry is `FAILED_PRECONDITION` / "
        "`REQUEST_ALREADY_ANSWERED` rather than acted on twice. Errors are not stored: a refused request "
        "changed nothing and is decided again when retried.",
        "",
        "Every answered unary call carries trailing metadata `authcore-server-us`: the server's time in "
        "microseconds from the parsed request to the response ready.",
        "")


# -- docs/api.md --------------------------------------------------------------------------------


def api_page(contract: Contract | None = None) -> str:
    contract = contract or Contract(descriptor_set())
    local = {f"{PACKAGE}.{item.name}": item.name for item in (*contract.messages, *contract.enums)}

    def type_link(full: str) -> str:
        full = full.lstrip(".")
        if full in local:
            return f"[{local[full]}](#{slug(local[full])})"
        if full in EXTERNAL:
            return f"[{full}]({EXTERNAL[full]})"
        return f"`{full}`"

    def field_type(field) -> tuple[str, str]:
        """(type, label) of a field."""
        if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
            entry = contract.message_types.get(field.type_name.lstrip("."))
            if entry is not None and entry.options.map_entry:
                key, value = entry.field
                return f"map&lt;{field_type(key)[0]}, {field_type(value)[0]}&gt;", "map"
            kind = type_link(field.type_name)
        else:
            kind = SCALARS[field.type]
        if field.label == F.LABEL_REPEATED:
            return kind, "repeated"
        if field.proto3_optional:
            return kind, "optional"
        return kind, ""

    checks = identity_checks()
    page = Page()
    page.add(f"# API reference: `{PACKAGE}`", "")
    page.add(
        "The gRPC contract of authcore, rendered from `proto/authcore/v1/*.proto` and their comments by "
        "`python scripts/gen_docs.py` (`tests/test_docs.py` fails when this page is stale). Money is always "
        "`int64` minor units (fen) with an ISO 4217 code. Besides these services the server serves "
        "`grpc.health.v1.Health` and server reflection (`grpc.reflection.v1alpha.ServerReflection`).",
        "",
        "Who may call what is decided by the caller's identity, the URI SAN `spiffe://authcore/<identity>` of its "
        "client certificate (`wallet`, `scan-to-pay`, `quick-pay`, `admin`; see "
        "[operations.md](operations.md#identity)). Without TLS (local development, loopback only) no identity is "
        "checked. Reasons, with their messages, ISO 8583 codes and retry categories: "
        "[reasons.md](reasons.md).",
        "")
    page.heading(2, "Contents")
    page.add(f"- [Services](#{slug('Services')})")
    for service in contract.services:
        methods = ", ".join(f"[{m.name}](#{slug(service.name + '.' + m.name)})" for m, _ in service.children)
        page.add(f"  - [{service.name}](#{slug(service.name)}): {methods}")
    page.add(f"- [Messages](#{slug('Messages')})")
    for file in contract.files:
        items = [m for m in contract.messages if m.file == file.name]
        if items:
            page.add(f"  - `{file.name}`: " + ", ".join(f"[{m.name}](#{slug(m.name)})" for m in items))
    page.add(f"- [Enums](#{slug('Enums')})")
    for file in contract.files:
        items = [e for e in contract.enums if e.file == file.name]
        if items:
            page.add(f"  - `{file.name}`: " + ", ".join(f"[{e.name}](#{slug(e.name)})" for e in items))
    page.add(f"- [Errors](#{slug('Errors')}): [status codes](#{slug('Status codes')}), "
             f"[error details](#{slug('Error details')}), "
             f"[idempotency and trailing metadata](#{slug('Idempotency and trailing metadata')})", "")

    page.heading(2, "Services")
    for service in contract.services:
        page.heading(3, service.name)
        if service.comment:
            page.add(prose(service.comment), "")
        page.add(f"Defined in `{service.file}`.", "")
        page.add("| RPC | request | response | who may call |", "|---|---|---|---|")
        for method, _ in service.children:
            request = ("stream " if method.client_streaming else "") + type_link(method.input_type)
            response = ("stream " if method.server_streaming else "") + type_link(method.output_type)
            own = " (channels: own channel only)" if checks.get((service.name, method.name)) else ""
            page.add(f"| [{method.name}](#{slug(service.name + '.' + method.name)}) | {request} | {response} | "
                     f"{who_may_call(service.name, method.name, {})}{own} |")
        page.add("")
        for method, comment in service.children:
            page.heading(4, f"{service.name}.{method.name}")
            request = ("stream " if method.client_streaming else "") + type_link(method.input_type)
            response = ("stream " if method.server_streaming else "") + type_link(method.output_type)
            shape = {(False, False): "unary", (True, False): "client streaming",
                     (False, True): "server streaming", (True, True): "bidirectional streaming"}[
                (method.client_streaming, method.server_streaming)]
            page.add(f"{request} → {response} ({shape})", "")
            if comment:
                page.add(prose(comment), "")
            page.add(f"- Who may call: {who_may_call(service.name, method.name, checks)}.")
            request_type = contract.message_types.get(method.input_type.lstrip("."))
            if request_type is not None and any(f.name == "request_id" for f in request_type.field):
                page.add("- Idempotent by `request_id` (see [idempotency](#"
                         f"{slug('Idempotency and trailing metadata')})).")
            page.add(f"- Multi-process mode: {routing(service.name, method.name)}.", "")

    page.heading(2, "Messages")
    for message in contract.messages:
        page.heading(3, message.name)
        if message.comment:
            page.add(prose(message.comment), "")
        page.add(f"Defined in `{message.file}`.", "")
        if not message.children:
            page.add("No fields.", "")
            continue
        page.add("| field | number | type | label | description |", "|---|---|---|---|---|")
        oneofs = message.proto.oneof_decl
        for field, comment in message.children:
            kind, label = field_type(field)
            if field.HasField("oneof_index") and not field.proto3_optional:
                label = f"oneof `{oneofs[field.oneof_index].name}`"
            page.add(f"| `{field.name}` | {field.number} | {kind} | {label} | {cell(comment)} |")
        page.add("")
        real = {f.oneof_index for f, _ in message.children if f.HasField("oneof_index") and not f.proto3_optional}
        notes = [f"- oneof `{oneof.name}`: {prose(comment)}" for j, (oneof, comment) in enumerate(message.oneofs)
                 if j in real and comment]
        if notes:
            page.add("At most one field of each oneof is set.", "", *notes, "")

    page.heading(2, "Enums")
    for enum in contract.enums:
        page.heading(3, enum.name)
        if enum.comment:
            page.add(prose(enum.comment), "")
        page.add(f"Defined in `{enum.file}`.", "")
        if enum.name == "Reason":
            page.add("The messages, hints, ISO 8583 codes and retry categories of every reason are in "
                     "[reasons.md](reasons.md).", "")
        page.add("| name | number | description |", "|---|---|---|")
        for value, comment in enum.children:
            page.add(f"| `{value.name}` | {value.number} | {cell(comment)} |")
        page.add("")

    render_errors(page)
    return page.text()


# -- docs/reasons.md ----------------------------------------------------------------------------

# ISO 8583 field 39 response codes, as the catalogue uses them.
ISO8583 = {
    "00": "approved",
    "1A": "additional customer authentication required",
    "51": "insufficient funds (here: not enough available credit)",
    "57": "transaction not permitted to cardholder",
    "59": "suspected fraud",
    "61": "exceeds amount limit",
    "62": "restricted card (here: account frozen)",
    "65": "exceeds frequency limit (count of payments)",
    "91": "issuer or switch inoperative (here: decided by the stand-in)",
}


def reasons_page() -> str:
    from authcore.decision import reasons as catalogue
    from authcore.v1 import common_pb2 as c

    by_code: dict[str, list[str]] = collections.defaultdict(list)
    for reason in sorted(catalogue.CATALOGUE):
        by_code[catalogue.CATALOGUE[reason].iso8583].append(c.Reason.Name(reason))
    unknown = sorted(set(by_code) - set(ISO8583))
    if unknown:
        raise SystemExit(f"ISO 8583 codes without a meaning in gen_docs.ISO8583: {unknown}")
    challenges = code_list(c.Reason.Name(r) for r in sorted(catalogue.CHALLENGE_REASONS))
    fixes = code_list(c.Reason.Name(r) for r in sorted(catalogue.CATALOGUE)
                      if catalogue.CATALOGUE[r].retry == catalogue.FIX and r not in catalogue.CHALLENGE_REASONS)

    page = Page()
    page.add("# Reasons", "")
    page.add(
        "Every decision of `Authorize`, `AuthorizeBatch`, `AuthorizeBulk` and `AuthorizeStream` comes with a "
        "reason (`authcore.v1.Reason`): `REASON_APPROVED` for an approval, otherwise why the payment was "
        "declined or challenged. This page is generated from `authcore/decision/reasons.py` by "
        "`python scripts/gen_docs.py`.",
        "")
    page.heading(2, "Precedence")
    page.add(
        "The number of a reason is its precedence. Every check runs and every failing one is reported: "
        "`AuthorizeResponse.reasons` lists them all in precedence order, each as a `ReasonDetail` with its "
        "ISO 8583 code, retry category, messages in zh-CN and en, a hint filled in with the account's numbers "
        "(\"Repay the overdue ¥300.00 to restore payments\") and, for a limit, the `LimitWindow` it hit; "
        "`reason` is the first of them (the lowest number). Bulk answers carry the first reason's code only. "
        f"A `CHALLENGE` ({challenges}) is returned only when nothing declines: verifying would let the "
        "payment through.",
        "")
    page.heading(2, "Retry categories")
    page.add(
        "Each reason but `REASON_APPROVED` has one of Visa's retry categories for declines "
        "(`ReasonDetail.retry_category`). What a client should do:",
        "",
        "| category | meaning | what the client does |",
        "|---|---|---|",
        "| 1 never (`RETRY_CATEGORY_NEVER`) | the issuer will not approve this payment | do not retry; offer "
        "another payment method |",
        "| 2 later (`RETRY_CATEGORY_LATER`) | it cannot be approved now | do not retry at once: show the hint "
        "(repay, wait for the limit window to reset, wait a few minutes, contact customer service); retry once "
        "the situation changed, as a new payment with a new `request_id` |",
        "| 3 fix or verify (`RETRY_CATEGORY_FIX_AND_RETRY`) | it would pass with other data or more "
        "verification | for a `CHALLENGE`, ask the customer for the factors the hint names and send the payment "
        f"again with them and a new `request_id`; otherwise ({fixes}) change what the hint names (pay in full "
        "or choose another term) and send it again with a new `request_id` |",
        "",
        "A retry with the same `request_id` is an idempotent replay: it returns the original answer, decline "
        "included, and decides nothing again.",
        "")
    page.heading(2, "ISO 8583 response codes")
    page.add("`ReasonDetail.iso8583_code` is the ISO 8583 field 39 response code of the reason, for channels "
             "that speak it:", "", "| code | meaning | reasons |", "|---|---|---|")
    for code in sorted(by_code):
        page.add(f"| {code} | {ISO8583[code]} | {code_list(by_code[code])} |")
    page.add("")
    page.heading(2, "Catalogue")
    page.add("Placeholders in braces are filled in with the account's numbers when the reason is given. "
             "The retry column is the category number.", "")
    page.add(catalogue.reference_table(), "")
    return page.text()


# -- main ---------------------------------------------------------------------------------------


def pages() -> dict[pathlib.Path, str]:
    return {API_PAGE: api_page(), REASONS_PAGE: reasons_page()}


def shown(path: pathlib.Path) -> str:
    """path as printed: relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def stale(generated: dict[pathlib.Path, str]) -> list[pathlib.Path]:
    """The pages whose committed text differs from generated."""
    return [path for path, text in generated.items() if not path.exists() or path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed page is stale; write nothing")
    ns = parser.parse_args(argv)
    generated = pages()
    if ns.check:
        bad = stale(generated)
        for path in bad:
            print(f"{shown(path)} is stale: run python scripts/gen_docs.py", file=sys.stderr)
        return 1 if bad else 0
    for path, text in generated.items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {shown(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
