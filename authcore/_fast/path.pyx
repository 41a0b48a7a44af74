# cython: language_level=3
"""The request path compiled: Authorize from the parsed request to the response bytes and the
journal record in one pass, and the column work of a bulk chunk (identifiers, device and network
hashes; authcore.decision.columns).

    check   the request against the payment rules (authcore.decision.validation), in C for the
            common shape; anything else goes through the Python rules, which name every violation
    claim   its request_id (a replay gets its stored answer) and take its locks
    decide  the kernel's decision on the account's rows (Book.evaluate), the input row built once
    answer  an approval's response bytes and its hold (HoldPlaced) written here; a decline, a
            challenge or an installment plan answered by Python (authcore.engine.payments), which
            writes the customer's texts
    journal the record with its audit row, one group commit (authcore.journal.store)
    apply   the hold, as replay applies it (Ledger.place_hold)

The answers are those of the Python path byte for byte (tests/test_request_path.py)."""

import hashlib

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.math cimport NAN, fabs, isnan
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy

from authcore._fast.blake2 cimport hash64_of
from authcore._fast.decide cimport D_APPROVED, Outcome, Request
from authcore._fast.ledger cimport Book
from authcore._fast.risk cimport N_FEATURES, RiskInput
from authcore._fast.state cimport AccountRow, BehaviourRow, ProfileRow, QR_DYNAMIC, QR_NONE, QR_STATIC
from authcore._fast.wire cimport (
    Out, close_out, field_bytes, field_chars, field_double, field_double_present, field_fixed64, field_message,
    field_text, field_timestamp, field_varint, le32, le64, open_out, raw, set_u32, take,
)

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL

cdef extern from "arpa/inet.h" nogil:
    int inet_pton(int af, const char* src, void* dst)

cdef extern from "sys/socket.h" nogil:
    enum:
        AF_INET
        AF_INET6

_blake2b = hashlib.blake2b

# The limits of authcore.decision.validation, checked again here (tests hold the two together).
cdef enum:
    MAX_REQUEST_ID_LEN = 128
    MAX_ID_LEN = 64
    MAX_DEVICE_ID_LEN = 128
    MAX_IP_LEN = 45
    MAX_FACTORS = 8
    MAX_INSTALLMENT_TERM_MONTHS = 60
    TOP_FEATURES = 5
    CH_SCAN_TO_PAY = 2          # proto Channel
    REASON_APPROVED = 1         # proto Reason
    STAND_IN_MODEL_FAILED = 1   # proto StandInCause
    STAND_IN_DEADLINE = 2
    HF_STAND_IN = 4

cdef int64_t MAX_AMOUNT_MINOR = 1000000000000000
cdef int64_t MAX_TIMESTAMP_S = 253402300799
# The factors the proto names, as bits (factor f is bit f - 1).
cdef uint32_t FACTOR_BITS = 0xF


# For tests/test_request_path.py, which holds them to authcore.decision.validation's.
LIMITS = {"request_id": MAX_REQUEST_ID_LEN, "id": MAX_ID_LEN, "device_id": MAX_DEVICE_ID_LEN, "ip": MAX_IP_LEN,
          "factors": MAX_FACTORS, "installment_term_months": MAX_INSTALLMENT_TERM_MONTHS,
          "amount_minor": MAX_AMOUNT_MINOR, "factor_bits": FACTOR_BITS}


def top_features(double[::1] contributions):
    """The indices of the features that moved the score most, largest first (at most 5): the
    order the answers carry."""
    cdef int order[TOP_FEATURES]
    cdef int n
    if contributions.shape[0] != N_FEATURES:
        raise ValueError(f"{N_FEATURES} contributions expected")
    n = _top_features(&contributions[0], order)
    if n < 0:
        n = _numpy_order(&contributions[0], order)
    return [order[i] for i in range(n)]


cdef struct Plain:
    # A request in the common shape, as the kernel reads it.
    int32_t channel          # proto Channel
    int64_t amount
    int32_t currency         # ISO 4217 numeric
    int32_t qr
    int32_t factors          # bits
    int32_t mcc
    int32_t country
    int32_t term
    double lat
    double lon
    int ip_family            # 0: no IP
    unsigned char ip[16]


cdef inline bint _id_char(unsigned char ch) noexcept:
    return (b'a' <= ch <= b'z') or (b'A' <= ch <= b'Z') or (b'0' <= ch <= b'9') or ch == b'_' or ch == b'.' \
        or ch == b':' or ch == b'-'


cdef bint _identifier(object text, Py_ssize_t max_len) except -1:
    """True for a valid identifier (authcore.decision.validation.identifier_problem is None)."""
    cdef Py_ssize_t k, i
    cdef unsigned char c0
    cdef const unsigned char* s = <const unsigned char*>PyUnicode_AsUTF8AndSize(text, &k)
    if k == 0 or k > max_len:
        return False
    c0 = s[0]
    if not ((b'a' <= c0 <= b'z') or (b'A' <= c0 <= b'Z') or (b'0' <= c0 <= b'9')):
        return False
    for i in range(1, k):
        if not _id_char(s[i]):
            return False
    return True


cdef int _put_i64(Out* o, int64_t v) except -1:
    return le64(o, <uint64_t>v)


cdef int _put_f64(Out* o, double v) except -1:
    cdef uint64_t bits
    memcpy(&bits, &v, 8)
    return le64(o, bits)


cdef class AuthorizePath:
    """Authorize for one engine (authcore.engine.facade.Engine builds it over its parts)."""

    cdef object core
    cdef object requests
    cdef object payments
    cdef object applier
    cdef object validate
    cdef object hash64
    cdef object approved
    cdef object authorized
    cdef object currency_numeric
    cdef object is_country
    # What the answers carry, cached from the active policy and model (refreshed when they change).
    cdef object _policy
    cdef object _model_info
    cdef object policy_version
    cdef object model_version
    cdef int64_t hold_ttl_s
    cdef double stand_in_budget_ms
    cdef object feature_schema
    cdef list feature_names
    cdef bytes approved_detail
    cdef bytes audit_prefix
    cdef dict currencies
    cdef dict countries

    def __init__(self, core, requests, payments, applier, *, validate, hash64, currency_numeric, is_country,
                 approved, authorized, feature_names, feature_schema, approved_detail, audit_prefix):
        """Over the engine's parts (core, requests, payments, applier), with what it uses of the
        layers above this one, handed in by the engine (authcore.engine.facade): the payment
        rules (validate), the device and network hash, the currency and country tables, the
        decision counters (approved(channel, stand_in), authorized(request, response)), the
        feature schema, the approval's reason detail and the audit row's header."""
        self.core = core
        self.requests = requests
        self.payments = payments
        self.applier = applier
        self.validate = validate
        self.hash64 = hash64
        self.currency_numeric = currency_numeric
        self.is_country = is_country
        self.approved = approved
        self.authorized = authorized
        self.feature_schema = feature_schema
        self.feature_names = list(feature_names)
        if len(self.feature_names) != N_FEATURES:
            raise ValueError("the feature schema and the kernel disagree")
        self.approved_detail = approved_detail
        self.audit_prefix = audit_prefix
        self.currencies = {}
        self.countries = {"": 0}
        self._policy = None
        self._model_info = None

    cdef int _refresh(self) except -1:
        policy = self.core.ledger.policy
        info = self.core.model_info
        if policy is self._policy and info is self._model_info:
            return 0
        self.policy_version = policy.version
        self.hold_ttl_s = policy.hold_ttl_seconds
        self.stand_in_budget_ms = policy.risk.stand_in_budget_ms
        self.model_version = info.version
        self._policy = policy
        self._model_info = info
        return 0

    # -- the request's shape ---------------------------------------------------------------------

    cdef bint _plain(self, req, Plain* p) except -1:
        """Fill p from a request in the common shape, True; False when the request may break a
        rule or takes a rare path (the Python rules then decide)."""
        cdef Py_ssize_t k
        cdef const char* s
        cdef int64_t seconds
        cdef int32_t f
        cdef double lat, lon
        p.channel = req.channel
        if p.channel < 1 or p.channel > 3:
            return False
        p.amount = req.amount_minor
        if p.amount < 1 or p.amount > MAX_AMOUNT_MINOR:
            return False
        if not _identifier(req.request_id, MAX_REQUEST_ID_LEN) or not _identifier(req.account_id, MAX_ID_LEN):
            return False
        currency = req.currency
        numeric = self.currencies.get(currency)
        if numeric is None:
            numeric = self.currency_numeric(currency)
            if numeric is None:
                return False
            if len(self.currencies) < 1024:
                self.currencies[currency] = numeric
        p.currency = numeric
        merchant = req.merchant
        if not _identifier(merchant.merchant_id, MAX_ID_LEN):
            return False
        s = PyUnicode_AsUTF8AndSize(merchant.mcc, &k)
        if k != 4 or not (b'0' <= s[0] <= b'9' and b'0' <= s[1] <= b'9' and b'0' <= s[2] <= b'9'
                          and b'0' <= s[3] <= b'9'):
            return False
        p.mcc = (s[0] - 48) * 1000 + (s[1] - 48) * 100 + (s[2] - 48) * 10 + (s[3] - 48)
        country = merchant.country
        code = self.countries.get(country)
        if code is None:
            if not self.is_country(country):
                return False
            s = PyUnicode_AsUTF8AndSize(country, &k)
            code = 1 + (s[0] - 65) * 26 + (s[1] - 65)
            if len(self.countries) < 1024:
                self.countries[country] = code
        p.country = code
        p.qr = req.qr_code_type
        if p.channel == CH_SCAN_TO_PAY:
            if p.qr != QR_STATIC and p.qr != QR_DYNAMIC:
                return False
        elif p.qr != QR_NONE:
            return False
        factors = req.verification.factors
        if len(factors) > MAX_FACTORS:
            return False
        p.factors = 0
        for value in factors:
            f = value
            if f < 1 or f > 32 or not (FACTOR_BITS >> (f - 1)) & 1:
                return False
            p.factors |= 1 << (f - 1)
        device = req.device
        s = PyUnicode_AsUTF8AndSize(device.device_id, &k)
        if k > MAX_DEVICE_ID_LEN:
            return False
        s = PyUnicode_AsUTF8AndSize(device.ip, &k)
        p.ip_family = 0
        if k:
            if k > MAX_IP_LEN:
                return False
            if inet_pton(AF_INET, s, p.ip) == 1:
                p.ip_family = 4
            elif inet_pton(AF_INET6, s, p.ip) == 1:
                p.ip_family = 6
            else:
                return False
        lat = device.latitude
        lon = device.longitude
        if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
            return False
        if lat == 0.0 and lon == 0.0:
            lat = lon = NAN
        p.lat = lat
        p.lon = lon
        p.term = req.installment_term_months
        if p.term < 0 or p.term > MAX_INSTALLMENT_TERM_MONTHS:
            return False
        if req.HasField("occurred_at"):
            at = req.occurred_at
            seconds = at.seconds
            if not (0 <= seconds <= MAX_TIMESTAMP_S and 0 <= at.nanos < 1000000000):
                return False
        return True

    # -- the call --------------------------------------------------------------------------------

    def authorize(self, req, deadline_s=None):
        """Decide one payment: (response bytes, the response message or None, replayed); the
        message is None when the answer was written as bytes only (an approval)."""
        cdef Plain p
        if self.core.shadow is not None:
            # A shadow candidate decides beside every payment: the Python path records it.
            response, replayed = self.payments.authorize(req, deadline_s)
            return response.SerializeToString(), response, replayed
        if not self._plain(req, &p):
            self.validate(req)  # raises INVALID_ARGUMENT with every violation
            response, replayed = self.payments.authorize(req, deadline_s)
            return response.SerializeToString(), response, replayed
        request_id = req.request_id
        digest = _blake2b(b"Authorize\0" + req.SerializeToString(deterministic=True), digest_size=16).digest()
        requests = self.requests
        prior = requests.claim(request_id, "Authorize", digest)
        if prior is not None:
            return prior, None, True
        core = self.core
        try:
            state = core.state
            state.acquire_shared()
            try:
                slot = core.slot(req.account_id)
                lock = core.stripes.of(slot)
                lock.acquire()
                try:
                    data, message, effect = self._decide(req, &p, slot, request_id, digest, deadline_s)
                finally:
                    lock.release()
            finally:
                state.release_shared()
        finally:
            requests.release(request_id)
        if message is None:
            self.approved(p.channel, effect)
        else:
            self.authorized(req, message)
        return data, message, False

    cdef tuple _decide(self, req, Plain* p, Py_ssize_t slot, request_id, bytes digest, deadline_s):
        """decide -> journal -> apply under the request's locks: (response bytes, message or
        None, the stand-in cause of an approval written here)."""
        cdef Book book = self.core.ledger.book
        cdef Request r
        cdef RiskInput ri
        cdef Outcome o
        cdef AccountRow* a
        cdef AccountRow account_before
        cdef BehaviourRow behaviour_before
        cdef ProfileRow profile_before
        cdef double x[N_FEATURES]
        cdef double contrib[N_FEATURES]
        cdef uint64_t device = 0
        cdef uint64_t ipnet = 0
        cdef int32_t stand_in = 0
        cdef int32_t channel_index = p.channel - 1
        cdef int64_t now_s
        cdef int64_t expires_s = 0
        cdef int32_t cause = 0
        cdef bint plain
        core = self.core
        now_s = core.now()
        self._refresh()
        if deadline_s is not None and deadline_s * 1000 < self.stand_in_budget_ms:
            stand_in = STAND_IN_DEADLINE
        device_id = req.device.device_id
        if device_id:
            device = self.hash64(device_id.encode())
        if p.ip_family:
            ipnet = self.hash64((<char*>p.ip)[:3 if p.ip_family == 4 else 6])
        a = book.row(slot)
        audit = core.audit
        if audit:
            memcpy(&account_before, a, sizeof(AccountRow))
            memcpy(&behaviour_before, &book.beh[slot], sizeof(BehaviourRow))
            memcpy(&profile_before, &book.prof[a.profile], sizeof(ProfileRow))
        book.fill(&r, channel_index, p.amount, p.currency, p.qr, p.factors, now_s)
        r.stand_in = stand_in
        book.risk_input(&ri, device, ipnet, p.lat, p.lon, p.mcc, p.country)
        book.evaluate(slot, &r, &ri, &o)
        memcpy(x, book.x, N_FEATURES * sizeof(double))
        memcpy(contrib, book.contrib, N_FEATURES * sizeof(double))
        if o.decision == D_APPROVED:
            o.available -= p.amount
        plain = o.decision == D_APPROVED and o.failed == 0 and p.term == 0 and not self._auto_installment(slot, p)
        message = effect_message = None
        if plain:
            answered_decision, answered_reason = D_APPROVED, REASON_APPROVED
            authorization_id = core.new_id("au")
            expires_s = now_s + self.hold_ttl_s
            cause = (stand_in or STAND_IN_MODEL_FAILED) if o.flags & HF_STAND_IN else 0
            data = self._approval(&o, authorization_id, expires_s, cause, x, contrib)
            effect = self._hold_placed(req, p, &o, authorization_id, expires_s, device, ipnet)
        else:
            xs, cs = core.feature_buffers()
            for i in range(N_FEATURES):
                xs[i] = x[i]
                cs[i] = contrib[i]
            outcome = (o.decision, o.failed, o.max_approvable, o.available, o.day_index, o.month_index, o.flags,
                       o.score)
            message, effect_message = self.payments.answer(
                slot, req, outcome, now_s, (device, ipnet, p.lat, p.lon, p.mcc, p.country), stand_in, xs, cs)
            answered_decision, answered_reason = message.decision, message.reason
            data = message.SerializeToString()
            effect = effect_message.SerializeToString() if effect_message is not None else None
        side = ()
        if audit:
            side = [("audit", (now_s, "Authorize", request_id, 1, self.policy_version, self.model_version,
                               self._audit_blob(req, p, slot, channel_index, device, ipnet, &o, answered_decision,
                                                answered_reason, x, &account_before, &behaviour_before,
                                                &profile_before, stand_in)))]
        self.requests.commit([("Authorize", request_id, digest, effect, data)], now_s, side)
        if plain:
            # What the applier does with this HoldPlaced on replay (Applier._apply_hold_placed).
            core.ledger.place_hold(authorization_id, slot, req.merchant.merchant_id, expires_s, channel_index,
                                   p.amount, o.flags, device, ipnet, p.lat, p.lon, 0, 0, now_s)
            return data, None, cause
        if effect_message is not None:
            self.applier.apply(effect_message, now_s)
        return data, message, 0

    cdef bint _auto_installment(self, Py_ssize_t slot, Plain* p) except -1:
        """True when the account's auto-installment catches the amount (Python answers it)."""
        auto = self.core.ledger.auto_installment.get(slot)
        return bool(auto and auto[0] and p.amount >= auto[2])

    # -- the bytes -------------------------------------------------------------------------------

    cdef bytes _approval(self, Outcome* o, authorization_id, int64_t expires_s, int32_t cause, double* x,
                         double* contrib):
        """The AuthorizeResponse of an approval."""
        cdef Out out
        cdef Out risk
        cdef Out item
        cdef int order[TOP_FEATURES]
        cdef int n, i, j
        open_out(&out, 1024)
        open_out(&risk, 512)
        open_out(&item, 128)
        try:
            field_varint(&out, 1, <uint64_t>D_APPROVED)
            field_text(&out, 2, authorization_id)
            field_varint(&out, 3, <uint64_t>REASON_APPROVED)
            field_message(&out, 4, <const unsigned char*>PyBytes_AS_STRING(self.approved_detail),
                          PyBytes_GET_SIZE(self.approved_detail))
            field_varint(&out, 5, <uint64_t>o.available)
            field_text(&out, 6, self.policy_version)
            field_varint(&out, 7, <uint64_t>o.max_approvable)
            field_timestamp(&out, 8, expires_s)
            field_double(&risk, 1, o.score)
            field_text(&risk, 2, self.model_version)
            field_text(&risk, 3, self.feature_schema)
            n = _top_features(contrib, order)
            if n < 0:
                n = _numpy_order(contrib, order)
            for j in range(n):
                i = order[j]
                item.n = 0
                field_text(&item, 1, self.feature_names[i])
                field_double(&item, 2, x[i])
                field_double(&item, 3, contrib[i])
                field_message(&risk, 5, item.p, item.n)
            field_message(&out, 9, risk.p, risk.n)
            field_varint(&out, 11, <uint64_t>cause)
            return take(&out)
        finally:
            close_out(&item)
            close_out(&risk)
            close_out(&out)

    cdef bytes _hold_placed(self, req, Plain* p, Outcome* o, authorization_id, int64_t expires_s, uint64_t device,
                            uint64_t ipnet):
        """The JournalEffect of an approval (authcore.journal.effects.hold_placed)."""
        cdef Out out
        cdef Out hold
        open_out(&out, 512)
        open_out(&hold, 512)
        try:
            field_varint(&out, 1, 1)  # JournalEffect.format (authcore.journal.effects.FORMAT)
            field_text(&hold, 1, authorization_id)
            field_text(&hold, 2, req.account_id)
            field_varint(&hold, 3, <uint64_t>p.channel)
            field_varint(&hold, 4, <uint64_t>p.amount)
            field_varint(&hold, 5, <uint32_t>o.flags)
            field_varint(&hold, 6, <uint64_t><int64_t>o.day_index)
            field_varint(&hold, 7, <uint64_t><int64_t>o.month_index)
            field_timestamp(&hold, 8, expires_s)
            field_text(&hold, 9, req.merchant.merchant_id)
            field_fixed64(&hold, 10, device)
            field_fixed64(&hold, 11, ipnet)
            if not isnan(p.lat):
                field_double_present(&hold, 12, p.lat)
            if not isnan(p.lon):
                field_double_present(&hold, 13, p.lon)
            field_message(&out, 2, hold.p, hold.n)
            return take(&out)
        finally:
            close_out(&hold)
            close_out(&out)

    cdef bytes _audit_blob(self, req, Plain* p, Py_ssize_t slot, int32_t channel_index, uint64_t device,
                           uint64_t ipnet, Outcome* o, int64_t decision, int64_t reason, double* x,
                           AccountRow* account, BehaviourRow* behaviour, ProfileRow* profile, int32_t stand_in):
        """The audit row of one decision (authcore.journal.audit.row_for_one): the identifiers
        are validated ones, which JSON writes as they are."""
        cdef Out out
        cdef Py_ssize_t start
        cdef unsigned char stand_in_byte = <unsigned char>stand_in
        open_out(&out, 2048)
        try:
            raw(&out, b"ACA1", 4)
            le32(&out, 0)  # the header's length, filled in below
            start = out.n
            raw(&out, PyBytes_AS_STRING(self.audit_prefix), PyBytes_GET_SIZE(self.audit_prefix))
            _json_list(&out, b'{"request_ids":[', req.request_id)
            _json_list(&out, b'],"account_ids":[', req.account_id)
            _json_list(&out, b'],"merchant_ids":[', req.merchant.merchant_id)
            raw(&out, b"]}}", 3)
            set_u32(out.p + 4, <uint32_t>(out.n - start))
            for value in (slot, channel_index, p.amount, p.currency, p.qr, p.factors):
                _put_i64(&out, value)
            _put_i64(&out, <int64_t>device)
            _put_i64(&out, <int64_t>ipnet)
            _put_i64(&out, p.mcc)
            _put_i64(&out, p.country)
            _put_f64(&out, p.lat)
            _put_f64(&out, p.lon)
            _put_i64(&out, o.decision)
            _put_i64(&out, <int64_t>o.failed)
            _put_i64(&out, o.max_approvable)
            _put_i64(&out, o.available)
            _put_i64(&out, o.day_index)
            _put_i64(&out, o.month_index)
            _put_i64(&out, o.flags)
            _put_f64(&out, o.score)
            _put_i64(&out, decision)
            _put_i64(&out, reason)
            le32(&out, 0)  # profile_of
            le32(&out, 0)  # items
            raw(&out, &stand_in_byte, 1)
            raw(&out, x, N_FEATURES * sizeof(double))
            raw(&out, account, sizeof(AccountRow))
            raw(&out, behaviour, sizeof(BehaviourRow))
            raw(&out, profile, sizeof(ProfileRow))
            return take(&out)
        finally:
            close_out(&out)


cdef int _json_list(Out* out, const char* before, object identifier) except -1:
    """before, then a validated identifier as a JSON string (its characters need no escape)."""
    cdef Py_ssize_t k
    cdef const char* s
    raw(out, before, len(before))
    s = PyUnicode_AsUTF8AndSize(identifier, &k)
    raw(out, b'"', 1)
    raw(out, s, k)
    raw(out, b'"', 1)
    return 0



cdef int _top_features(const double* contrib, int* order) noexcept:
    """The indices of the largest |contributions|, largest first, up to the first zero (at most
    TOP_FEATURES): what Payments._explain_risk takes from numpy's argsort. -1 when a tie or a NaN
    could make numpy's order differ from this one (the caller asks numpy then)."""
    cdef int n = 0
    cdef int i, j, k
    cdef double v
    # The TOP_FEATURES largest in order, and one more to see a tie at the edge.
    cdef int best[TOP_FEATURES + 1]
    for i in range(N_FEATURES):
        if isnan(contrib[i]):
            return -1
    for i in range(N_FEATURES):
        v = fabs(contrib[i])
        if v == 0:
            continue
        j = n
        while j > 0 and fabs(contrib[best[j - 1]]) < v:
            j -= 1
        if j > TOP_FEATURES:
            continue
        k = n if n < TOP_FEATURES + 1 else TOP_FEATURES
        while k > j:
            best[k] = best[k - 1]
            k -= 1
        best[j] = i
        if n < TOP_FEATURES + 1:
            n += 1
    for j in range(1, n):
        if fabs(contrib[best[j]]) == fabs(contrib[best[j - 1]]):
            return -1
    if n > TOP_FEATURES:
        n = TOP_FEATURES
    for j in range(n):
        order[j] = best[j]
    return n


cdef int _numpy_order(const double* contrib, int* order) except -1:
    """The top features as numpy orders them (Payments._explain_risk): for ties and NaN."""
    import numpy as np
    values = np.array([contrib[i] for i in range(N_FEATURES)])
    cdef int n = 0
    for i in np.negative(np.abs(values)).argsort()[:TOP_FEATURES].tolist():
        if values[i] == 0:
            break
        order[n] = i
        n += 1
    return n


# -- a bulk chunk's columns (authcore.decision.columns) --------------------------------------------

def identifiers_valid(values, Py_ssize_t max_len):
    """True when every value of a column is a valid identifier of at most max_len characters
    (authcore.decision.validation.Identifier); False sends the column through the rule itself."""
    for value in values:
        if not _identifier(value, max_len):
            return False
    return True


def four_digit_codes(values, Py_ssize_t n):
    """A column of n strings of four ASCII digits as int64 numbers (a chunk's MCCs), or None
    when any value is not four ASCII digits (the Python rule then names each violation)."""
    import numpy as np
    out = np.empty(n, np.int64)
    cdef int64_t[::1] column = out
    cdef Py_ssize_t i = 0, k
    cdef int j
    cdef int64_t code
    cdef const unsigned char* s
    for value in values:
        if i >= n:
            return None
        s = <const unsigned char*>PyUnicode_AsUTF8AndSize(value, &k)
        if k != 4:
            return None
        code = 0
        for j in range(4):
            if s[j] < 48 or s[j] > 57:
                return None
            code = code * 10 + (s[j] - 48)
        column[i] = code
        i += 1
    return out if i == n else None


def text_hashes(values, hash64, Py_ssize_t n):
    """A column of strings as int64 bit patterns of hash64(value's UTF-8), computed once per
    distinct value ("" is 0): a chunk's device ids. hash64 None: the compiled BLAKE2b-64
    (authcore._fast.blake2), the same digest as authcore.decision.columns.hash64."""
    import numpy as np
    out = np.zeros(n, np.uint64)
    cdef uint64_t[::1] column = out
    cdef dict cache = {}
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t k
    cdef const char* s
    for value in values:
        if i >= n:
            raise ValueError(f"more than {n} values")
        found = cache.get(value)
        if found is None:
            if not value:
                found = 0
            elif hash64 is None:
                s = PyUnicode_AsUTF8AndSize(value, &k)
                found = hash64_of(<const unsigned char*>s, k)
            else:
                found = hash64(value.encode())
            cache[value] = found
        column[i] = found
        i += 1
    return out.view(np.int64)


def network_hashes(values, hash64, Py_ssize_t n):
    """(int64 bit patterns of hash64 of each address's network, the rows that are not IPv4 or
    IPv6 addresses): the /24 of IPv4, the /48 of IPv6, each network hashed once; "" is 0 (the
    unary request's ipnet_hash of validation.IP.packed). hash64 None: the compiled BLAKE2b-64."""
    import numpy as np
    out = np.zeros(n, np.uint64)
    cdef uint64_t[::1] column = out
    cdef dict cache = {}
    cdef list bad = []
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t k
    cdef const char* s
    cdef unsigned char packed[16]
    cdef int width
    for value in values:
        if i >= n:
            raise ValueError(f"more than {n} values")
        s = PyUnicode_AsUTF8AndSize(value, &k)
        if k:
            if k <= MAX_IP_LEN and inet_pton(AF_INET, s, packed) == 1:
                width = 3
            elif k <= MAX_IP_LEN and inet_pton(AF_INET6, s, packed) == 1:
                width = 6
            else:
                bad.append(i)
                i += 1
                continue
            network = (<char*>packed)[:width]
            found = cache.get(network)
            if found is None:
                found = cache[network] = hash64_of(packed, width) if hash64 is None else hash64(network)
            column[i] = found
        i += 1
    return out.view(np.int64), bad
