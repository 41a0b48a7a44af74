"""In-memory state: the account and limit-profile tables the kernels read, the index from
account ids to rows, and the holds. Every change goes through one method here, both when a
request is served and when the journal is replayed, so that a restart rebuilds the same state."""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import sys
import threading

import numpy as np

from authcore.decision import policy as policy_mod
from authcore._fast.ledger import Book
from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE, PROFILE_DTYPE
from authcore.errors import ResourceExhausted
from authcore.v1 import common_pb2, policy_pb2

HELD, CAPTURED, VOIDED, EXPIRED = "held", "captured", "voided", "expired"


@dataclasses.dataclass(slots=True)
class Hold:
    """An approved authorization and what became of it."""

    authorization_id: str
    slot: int
    channel: int          # index 0..2
    amount: int
    flags: int
    day_index: int
    month_index: int
    created_s: int
    expires_s: int
    merchant_id: str
    state: str = HELD
    captured: int = 0
    refunded: int = 0
    # An installment plan riding on the hold (term 0: none), booked when it is captured.
    term: int = 0
    rate_bps: int = 0
    captured_s: int = 0


class Ledger:
    """Accounts, limit profiles and holds of one node."""

    def __init__(self, policy: policy_pb2.Policy, max_accounts: int, max_profiles: int = 100_000):
        self.max_accounts = max_accounts
        self.max_profiles = max_profiles
        self.book = Book()
        self.accounts = np.zeros(1024, dtype=ACCOUNT_DTYPE)
        self.behaviour = np.zeros(1024, dtype=BEHAVIOUR_DTYPE)
        self.profiles = np.zeros(64, dtype=PROFILE_DTYPE)
        self.n_accounts = 0
        self.slot_of: dict[str, int] = {}
        self.account_ids: list[str] = []
        self.zones: list[str] = []
        self.overrides: dict[int, common_pb2.LimitProfile] = {}
        self.credit_scores: dict[int, float] = {}
        # slot -> (enabled, term, threshold)
        self.auto_installment: dict[int, tuple[bool, int, int]] = {}
        # slot -> {authorization id: captured hold with an installment plan}
        self.plans: dict[int, dict[str, Hold]] = {}
        # Profile i is resolved from profile_specs[i] = (tier, serialized overrides); the tiers
        # themselves are profiles 0..2 with no overrides.
        self.profile_specs: list[tuple[int, bytes]] = []
        self.profile_index: dict[tuple[int, bytes], int] = {}
        self.resolved: list[common_pb2.LimitProfile] = []
        self.holds: dict[str, Hold] = {}
        self.open_holds: dict[int, dict[str, Hold]] = {}
        self.expiry_heap: list[tuple[int, str]] = []
        self.heap_lock = threading.Lock()
        self.policy = policy
        for tier in policy_mod.TIERS:
            self._profile_for(tier, None)
        self.set_policy(policy)

    def _bind(self) -> None:
        self.book.bind(self.accounts, self.profiles, self.behaviour)

    # -- profiles -------------------------------------------------------------------------

    def _profile_for(self, tier: int, overrides: common_pb2.LimitProfile | None) -> int:
        key = (tier, overrides.SerializeToString(deterministic=True) if overrides is not None else b"")
        index = self.profile_index.get(key)
        if index is not None:
            return index
        if len(self.profile_specs) >= self.max_profiles:
            raise ResourceExhausted(f"at most {self.max_profiles} distinct limit profiles")
        index = len(self.profile_specs)
        if index >= self.profiles.shape[0]:
            self.profiles = np.resize(self.profiles, self.profiles.shape[0] * 2)
        self.profile_specs.append(key)
        self.profile_index[key] = index
        self.resolved.append(common_pb2.LimitProfile())
        self._resolve(index)
        self._bind()
        return index

    def _resolve(self, index: int) -> None:
        tier, blob = self.profile_specs[index]
        overrides = common_pb2.LimitProfile.FromString(blob) if blob else None
        merged = policy_mod.resolve(policy_mod.tier_limits(self.policy, tier), overrides)
        self.resolved[index] = merged
        self.profiles[index] = policy_mod.profile_row(merged)

    def set_policy(self, policy: policy_pb2.Policy) -> None:
        """Make a validated policy active: every profile is resolved again under it."""
        self.policy = policy
        for index in range(len(self.profile_specs)):
            self._resolve(index)
        self._bind()
        self.book.set_risk(*policy_mod.risk_tables(policy.risk))

    def set_scorer(self, scorer) -> None:
        """The transaction model every decision after this is scored with (None: rules only)."""
        self.book.set_scorer(scorer)

    # -- accounts -------------------------------------------------------------------------

    def upsert(self, account_id: str, *, limit: int, status: int, tier: int,
               overrides: common_pb2.LimitProfile | None, overdue: int, currency: int,
               zone: str, utc_offset_s: int, now_s: int = 0) -> tuple[int, bool]:
        """Create or change an account; returns (slot, created)."""
        slot = self.slot_of.get(account_id)
        created = slot is None
        if created and self.n_accounts >= self.max_accounts:
            raise ResourceExhausted(f"at most {self.max_accounts} accounts")
        profile = self._profile_for(tier, overrides)
        account, behaviour = self._rows_after(slot, limit, status, tier, profile, overdue, currency, utc_offset_s,
                                              now_s)
        if created:
            slot = self.n_accounts
            if slot >= self.accounts.shape[0]:
                # Grow by a quarter: the spare rows of a large book cost memory per account.
                size = min(self.max_accounts, max(1024, self.accounts.shape[0] * 5 // 4))
                self.accounts = np.resize(self.accounts, size)
                self.accounts[slot:] = np.zeros((), dtype=ACCOUNT_DTYPE)
                self.behaviour = np.resize(self.behaviour, size)
                self.behaviour[slot:] = np.zeros((), dtype=BEHAVIOUR_DTYPE)
            self.n_accounts += 1
            self.slot_of[account_id] = slot
            self.account_ids.append(account_id)
            # Accounts share a handful of zones: one string each, not one per account.
            self.zones.append(sys.intern(zone))
        if overrides is not None:
            self.overrides[slot] = overrides
        else:
            self.overrides.pop(slot, None)
        self.accounts[slot] = account[0]
        self.behaviour[slot] = behaviour[0]
        self._bind()
        return slot, created

    def upsert_many(self, account_ids: list[str], *, limits: np.ndarray, statuses: np.ndarray, tiers: np.ndarray,
                    overdue: np.ndarray, currencies: np.ndarray, zones: list[str], utc_offsets_s: np.ndarray,
                    credit_scores: np.ndarray | None, now_s: int = 0) -> int:
        """upsert() of many distinct accounts at once, a column per setting (int64 arrays, one
        entry per account; currencies ISO 4217 numbers and zones with their offsets, which only
        a new account takes; credit_scores None or NaN: the score on file stays). An existing
        account keeps its limit overrides and its rows' counters; a new one starts as upsert()
        starts it. Nothing changes when the accounts would pass max_accounts. Returns how many
        were created."""
        n = len(account_ids)
        slots = np.fromiter(map(self.slot_of.get, account_ids, itertools.repeat(-1)), np.int64, n)
        new = np.flatnonzero(slots < 0)
        if self.n_accounts + len(new) > self.max_accounts:
            raise ResourceExhausted(f"at most {self.max_accounts} accounts")
        # A changed tier is a changed limit profile: the tier's own, or (tier, overrides) for an
        # account with overrides. The tiers' own profiles exist from the start.
        tier_profile = np.zeros(max(policy_mod.TIERS) + 1, np.int64)
        for tier in policy_mod.TIERS:
            tier_profile[tier] = self.profile_index[(tier, b"")]
        profiles = tier_profile[tiers]
        if self.overrides:
            overrides = self.overrides
            for i in np.flatnonzero(slots >= 0).tolist():
                kept = overrides.get(int(slots[i]))
                if kept is not None:
                    profiles[i] = self._profile_for(int(tiers[i]), kept)
        if len(new):
            first, end = self.n_accounts, self.n_accounts + len(new)
            if end > self.accounts.shape[0]:
                # A quarter more than the accounts need, as upsert() grows: chunk after chunk
                # copies the rows a few times, not once per chunk.
                size = min(self.max_accounts, max(1024, end * 5 // 4, self.accounts.shape[0] * 5 // 4))
                for name, dtype in (("accounts", ACCOUNT_DTYPE), ("behaviour", BEHAVIOUR_DTYPE)):
                    rows = getattr(self, name)[:first]
                    grown = np.zeros(size, dtype=dtype)
                    # As bytes: a structured copy goes field by field, three times slower.
                    grown.view(np.uint8)[:rows.nbytes] = rows.view(np.uint8)
                    setattr(self, name, grown)
            new_ids = [account_ids[i] for i in new.tolist()]
            slots[new] = self._add_accounts(new_ids, [zones[i] for i in new.tolist()])
            # A new account's rows, as _rows_after makes them (zeroed as bytes, for the same reason).
            fresh, seen = self.accounts[first:end], self.behaviour[first:end]
            fresh.view(np.uint8)[:] = 0
            seen.view(np.uint8)[:] = 0
            fresh["currency"] = currencies[new]
            fresh["utc_offset_s"] = utc_offsets_s[new]
            fresh["day_index"] = fresh["month_index"] = -(2**31)
            seen["created_s"] = now_s
            seen["last_lat"] = seen["last_lon"] = np.nan
        accounts = self.accounts
        # Frozen for overdue from 0 to more than 0: one more overdue event.
        became_overdue = slots[(overdue > 0) & (accounts["overdue"][slots] == 0)]
        self.behaviour["overdue_events"][became_overdue] += 1
        accounts["limit"][slots] = limits
        accounts["status"][slots] = statuses
        accounts["tier"][slots] = tiers
        accounts["overdue"][slots] = overdue
        accounts["profile"][slots] = profiles
        if credit_scores is not None:
            scored = ~np.isnan(credit_scores)
            self.credit_scores.update(zip(slots[scored].tolist(), credit_scores[scored].tolist(), strict=True))
        self._bind()
        return len(new)

    def _add_accounts(self, account_ids: list[str], zones: list[str]) -> np.ndarray:
        """Index new accounts (ids not indexed yet, distinct) at the next slots, in order, with
        their zones; the slots. The one place a bulk change adds ids to the index."""
        first = self.n_accounts
        self.slot_of.update(zip(account_ids, range(first, first + len(account_ids)), strict=True))
        self.account_ids.extend(account_ids)
        # Accounts share a handful of zones: one string each, not one per account.
        self.zones.extend(map(sys.intern, zones))
        self.n_accounts += len(account_ids)
        return np.arange(first, self.n_accounts, dtype=np.int64)

    def preview(self, account_id: str, *, limit: int, status: int, tier: int,
                overrides: common_pb2.LimitProfile | None, overdue: int, currency: int, zone: str,
                utc_offset_s: int, now_s: int = 0) -> tuple[np.void, np.void]:
        """(account row, limit profile row) of an account as upsert() with the same arguments
        would leave it, changing nothing (an upsert's answer is built before it is journaled)."""
        key = (tier, overrides.SerializeToString(deterministic=True) if overrides is not None else b"")
        index = self.profile_index.get(key)
        if index is None:
            # The profile upsert() would add: the next index, resolved as _resolve resolves it.
            index = len(self.profile_specs)
            profile = policy_mod.profile_row(policy_mod.resolve(policy_mod.tier_limits(self.policy, tier), overrides))
        else:
            profile = self.profiles[index].copy()
        account, _ = self._rows_after(self.slot_of.get(account_id), limit, status, tier, index, overdue, currency,
                                      utc_offset_s, now_s)
        return account[0], profile

    def _rows_after(self, slot: int | None, limit: int, status: int, tier: int, profile: int, overdue: int,
                    currency: int, utc_offset_s: int, now_s: int) -> tuple[np.ndarray, np.ndarray]:
        """Copies of an account's (account, behaviour) rows, each of length 1, with an upsert's
        settings; slot None: the rows of a new account."""
        if slot is None:
            account = np.zeros(1, dtype=ACCOUNT_DTYPE)
            behaviour = np.zeros(1, dtype=BEHAVIOUR_DTYPE)
            account["currency"] = currency
            account["utc_offset_s"] = utc_offset_s
            account["day_index"] = -(2**31)
            account["month_index"] = -(2**31)
            behaviour["created_s"] = now_s
            behaviour["last_lat"] = behaviour["last_lon"] = np.nan
        else:
            account = self.accounts[slot:slot + 1].copy()
            behaviour = self.behaviour[slot:slot + 1].copy()
        if overdue > 0 and account["overdue"][0] == 0:
            behaviour["overdue_events"] += 1
        account["limit"] = limit
        account["status"] = status
        account["tier"] = tier
        account["overdue"] = overdue
        account["profile"] = profile
        return account, behaviour

    def scratch(self, slots: np.ndarray) -> Book:
        """A Book over copies of the rows of slots (distinct, ascending): its row i is slots[i]'s.
        A batch is decided on it, each approval booked before the next decision, while the live
        rows change only when the journaled holds are applied (place_holds, as on replay)."""
        # take, not fancy indexing: a tenth of the time on these structured rows.
        return self.book.over(self.accounts.take(slots), self.behaviour.take(slots))

    def row(self, slot: int) -> np.void:
        return self.accounts[slot]

    def profile_of(self, slot: int) -> common_pb2.LimitProfile:
        return self.resolved[int(self.accounts[slot]["profile"])]

    def available(self, slot: int) -> int:
        row = self.accounts[slot]
        return int(row["limit"]) - int(row["posted"]) - int(row["held"])

    # -- holds ----------------------------------------------------------------------------

    def place_holds(self, authorization_ids, account_ids, merchant_ids, expires_s: int, channels, amounts, flags,
                    devices, ipnets, lats, lons, terms, rates, now_s: int) -> None:
        """Place holds decided earlier, in the order they were decided, from columns (channels as
        indices 0..2, lats and lons NaN when unknown): each is counted in its account's windows
        and behaviour (Book.book_hold, which gives the day and month it counted in), then
        registered. Tight on purpose: a bulk chunk places up to its size of them."""
        slot_of, book_hold = self.slot_of, self.book.book_hold
        columns = zip(authorization_ids, account_ids, merchant_ids, channels, amounts, flags, devices, ipnets, lats,
                      lons, terms, rates, strict=False)
        placed = []
        for authorization_id, account_id, merchant_id, channel, amount, flag, device, ipnet, lat, lon, term, rate \
                in columns:
            slot = slot_of[account_id]
            day, month = book_hold(slot, channel, amount, flag, now_s, device, ipnet, lat, lon)
            placed.append(Hold(authorization_id, slot, channel, amount, flag, day, month, now_s, expires_s, merchant_id,
                               HELD, 0, 0, term, rate))
        self.register_holds(placed)

    def place_hold(self, authorization_id: str, slot: int, merchant_id: str, expires_s: int, channel: int,
                   amount: int, flags: int, device: int, ipnet: int, lat: float, lon: float, term: int, rate: int,
                   now_s: int) -> None:
        """place_holds of one hold (one Authorize's HoldPlaced), on its account's slot."""
        day, month = self.book.book_hold(slot, channel, amount, flags, now_s, device, ipnet, lat, lon)
        hold = Hold(authorization_id, slot, channel, amount, flags, day, month, now_s, expires_s, merchant_id, HELD,
                    0, 0, term, rate)
        self.holds[authorization_id] = hold
        self.open_holds.setdefault(slot, {})[authorization_id] = hold
        with self.heap_lock:
            heapq.heappush(self.expiry_heap, (expires_s, authorization_id))

    def register_holds(self, placed: list[Hold]) -> None:
        """Register open holds whose amounts are counted already (by place_holds, or in a
        snapshot's rows)."""
        holds, open_holds = self.holds, self.open_holds
        for hold in placed:
            holds[hold.authorization_id] = hold
            open_holds.setdefault(hold.slot, {})[hold.authorization_id] = hold
        with self.heap_lock:
            for hold in placed:
                heapq.heappush(self.expiry_heap, (hold.expires_s, hold.authorization_id))

    def _close(self, hold: Hold, state: str) -> None:
        hold.state = state
        account_holds = self.open_holds.get(hold.slot)
        if account_holds is not None:
            account_holds.pop(hold.authorization_id, None)
            if not account_holds:
                del self.open_holds[hold.slot]

    def capture(self, hold: Hold, amount: int, now_s: int = 0) -> None:
        self.book.capture_hold(hold.slot, hold.channel, hold.amount, amount, hold.flags,
                               hold.day_index, hold.month_index)
        hold.captured = amount
        hold.captured_s = now_s
        self._close(hold, CAPTURED)
        self._track_plan(hold)

    def _track_plan(self, hold: Hold) -> None:
        """A captured hold with an installment plan joins its account's schedules."""
        if hold.term:
            self.plans.setdefault(hold.slot, {})[hold.authorization_id] = hold

    def release(self, hold: Hold, state: str) -> None:
        """Void or expire a hold."""
        self.book.void_hold(hold.slot, hold.channel, hold.amount, hold.flags, hold.day_index, hold.month_index)
        self._close(hold, state)

    def refund(self, hold: Hold, amount: int) -> None:
        self.book.refund(hold.slot, amount)
        hold.refunded += amount

    def repay(self, slot: int, amount: int) -> int:
        return self.book.repay(slot, amount)

    def due_holds(self, now_s: int, limit: int) -> list[Hold]:
        """Take up to limit open holds whose time is up off the expiry queue, oldest first."""
        due: list[Hold] = []
        with self.heap_lock:
            while self.expiry_heap and self.expiry_heap[0][0] <= now_s and len(due) < limit:
                _, authorization_id = heapq.heappop(self.expiry_heap)
                hold = self.holds.get(authorization_id)
                if hold is not None and hold.state == HELD:
                    due.append(hold)
        return due

    def requeue(self, hold: Hold) -> None:
        """Put a hold taken by due_holds back on the expiry queue (its expiry could not be written)."""
        with self.heap_lock:
            heapq.heappush(self.expiry_heap, (hold.expires_s, hold.authorization_id))

    # -- snapshots ------------------------------------------------------------------------

    def dump(self) -> dict:
        """The ledger as plain data (numpy rows, bytes, tuples) for a snapshot."""
        n = self.n_accounts
        return {
            "policy": self.policy.SerializeToString(deterministic=True),
            "profile_specs": list(self.profile_specs),
            "accounts": self.accounts[:n].copy(),
            "behaviour": self.behaviour[:n].copy(),
            "account_ids": list(self.account_ids),
            "zones": list(self.zones),
            "overrides": {slot: p.SerializeToString(deterministic=True) for slot, p in self.overrides.items()},
            "holds": [dataclasses.astuple(h) for h in self.holds.values()],
            "credit_scores": dict(self.credit_scores),
            "auto_installment": dict(self.auto_installment),
        }

    @classmethod
    def load(cls, state: dict, max_accounts: int) -> "Ledger":
        """A ledger from dump(): limit profiles rebuilt in the same order, rows copied back."""
        ledger = cls(policy_pb2.Policy.FromString(state["policy"]), max_accounts)
        for tier, blob in state["profile_specs"][len(ledger.profile_specs):]:
            ledger._profile_for(tier, common_pb2.LimitProfile.FromString(blob) if blob else None)
        if ledger.profile_specs != state["profile_specs"]:
            raise ValueError("the snapshot's limit profiles do not rebuild in order")
        n = len(state["account_ids"])
        capacity = max(1024, 1 << max(n - 1, 0).bit_length())
        ledger.accounts = np.zeros(capacity, dtype=ACCOUNT_DTYPE)
        ledger.behaviour = np.zeros(capacity, dtype=BEHAVIOUR_DTYPE)
        ledger.accounts[:n] = state["accounts"]
        ledger.behaviour[:n] = state["behaviour"]
        ledger.n_accounts = n
        ledger.account_ids = list(state["account_ids"])
        ledger.zones = list(state["zones"])
        ledger.slot_of = {account_id: slot for slot, account_id in enumerate(ledger.account_ids)}
        ledger.overrides = {slot: common_pb2.LimitProfile.FromString(b) for slot, b in state["overrides"].items()}
        ledger.credit_scores = dict(state["credit_scores"])
        ledger.auto_installment = dict(state["auto_installment"])
        ledger._bind()
        held = []
        for fields in state["holds"]:
            hold = Hold(*fields)
            ledger.holds[hold.authorization_id] = hold
            if hold.state == HELD:
                held.append(hold)
            elif hold.state == CAPTURED:
                ledger._track_plan(hold)
        ledger.register_holds(held)
        return ledger
