"""In-memory state: the account and limit-profile tables the kernels read, the index from
account ids to rows (authcore._fast.index), and the holds. Every change goes through one method
here, both when a request is served and when the journal is replayed, so that a restart rebuilds
the same state."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from authcore.decision import policy as policy_mod
from authcore._fast.holds import DROPPED, HoldTable
from authcore._fast.index import AccountIndex
from authcore._fast.ledger import Book
from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE, PROFILE_DTYPE
from authcore.errors import ResourceExhausted
from authcore.state.accounts import AccountIds, Zones
from authcore.state.reserved import MIN_ROWS, Reserved
from authcore.state.rows import NO_DAY, NO_MONTH, current_accounts, current_behaviour
from authcore.v1 import common_pb2, policy_pb2

HELD, CAPTURED, VOIDED, EXPIRED = "held", "captured", "voided", "expired"
# The state a HoldRef reads once its hold was dropped after its refund window.
DROPPED_STATE = "dropped"


@dataclasses.dataclass(slots=True)
class Hold:
    """An approved authorization and what became of it, as plain data: the form snapshots held
    holds in before the hold table (Ledger.load still reads it)."""

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


HOLD_FIELDS = tuple(field.name for field in dataclasses.fields(Hold)) + ("closed_s",)


class HoldRef:
    """A hold in the hold table, read when asked: its fields (those of Hold, and closed_s) are
    the row's as it is now. A view made before the hold was dropped reads state "dropped"."""

    __slots__ = ("table", "row", "gen")

    def __init__(self, table: HoldTable, row: int):
        self.table = table
        self.row = row
        self.gen = table.gen_of(row)

    def fields(self) -> tuple:
        """The values of HOLD_FIELDS."""
        return self.table.fields(self.row, self.gen)

    @property
    def state(self) -> str:
        return self.table.state_of(self.row, self.gen)

    def astuple(self) -> tuple:
        """The hold as dataclasses.astuple(Hold) gives it."""
        return self.fields()[:-1]

    def copy(self) -> Hold:
        """The hold as it is now, as plain data."""
        return Hold(*self.astuple())

    def __repr__(self) -> str:
        return f"HoldRef({', '.join(f'{k}={v!r}' for k, v in zip(HOLD_FIELDS, self.fields()))})"


def _field(index: int) -> property:
    return property(lambda self: self.table.fields(self.row, self.gen)[index])


for _index, _name in enumerate(HOLD_FIELDS):
    if _name != "state":
        setattr(HoldRef, _name, _field(_index))


class HoldsView:
    """The ledger's holds by authorization id, as a read-only mapping of HoldRefs."""

    def __init__(self, ledger: "Ledger"):
        self._ledger = ledger

    def get(self, authorization_id: str, default=None):
        hold = self._ledger.hold(authorization_id)
        return default if hold is None else hold

    def __getitem__(self, authorization_id: str) -> HoldRef:
        hold = self._ledger.hold(authorization_id)
        if hold is None:
            raise KeyError(authorization_id)
        return hold

    def __contains__(self, authorization_id: str) -> bool:
        return self._ledger.hold(authorization_id) is not None

    def __len__(self) -> int:
        return self._ledger.hold_table.live

    def values(self) -> list[HoldRef]:
        table = self._ledger.hold_table
        return [HoldRef(table, row) for row in table.live_rows()]

    def __iter__(self):
        table = self._ledger.hold_table
        return iter([table.id_of(row) for row in table.live_rows()])

    def keys(self) -> list[str]:
        return list(self)

    def items(self) -> list[tuple[str, HoldRef]]:
        return [(hold.authorization_id, hold) for hold in self.values()]


class Ledger:
    """Accounts, limit profiles and holds of one node."""

    def __init__(self, policy: policy_pb2.Policy, max_accounts: int, max_profiles: int = 100_000):
        self.max_accounts = max_accounts
        self.max_profiles = max_profiles
        self.book = Book()
        # The account and behaviour rows: views of the first rows of reservations of max_accounts
        # rows (authcore.state.reserved), grown by a quarter without a copy; rows past the last
        # account are never written, so they cost no memory.
        self._reserve(max_accounts)
        self.accounts = self._account_rows.rows(MIN_ROWS)
        self.behaviour = self._behaviour_rows.rows(MIN_ROWS)
        self.profiles = np.zeros(64, dtype=PROFILE_DTYPE)
        self.n_accounts = 0
        # Account id -> slot, and slot -> id through account_ids; the time zone of each slot.
        self.slot_of = AccountIndex(max_accounts)
        self.account_ids = AccountIds(self.slot_of)
        self.zones = Zones(reserve=max_accounts)
        self.overrides: dict[int, common_pb2.LimitProfile] = {}
        self.credit_scores: dict[int, float] = {}
        # slot -> (enabled, term, threshold)
        self.auto_installment: dict[int, tuple[bool, int, int]] = {}
        # Profile i is resolved from profile_specs[i] = (tier, serialized overrides); the tiers
        # themselves are profiles 0..2 with no overrides.
        self.profile_specs: list[tuple[int, bytes]] = []
        self.profile_index: dict[tuple[int, bytes], int] = {}
        self.resolved: list[common_pb2.LimitProfile] = []
        # Every hold, open or closed within its refund window: rows of one table (authcore._fast.holds).
        self.hold_table = HoldTable()
        self.holds = HoldsView(self)
        # Changes to the hold table are made under this lock (requests on different accounts
        # place and close holds side by side).
        self.holds_lock = threading.Lock()
        self.policy = policy
        for tier in policy_mod.TIERS:
            self._profile_for(tier, None)
        self.set_policy(policy)

    def _bind(self) -> None:
        self.book.bind(self.accounts, self.profiles, self.behaviour)

    def _reserve(self, rows: int) -> None:
        """New reservations of rows account and behaviour rows (no rows viewed yet)."""
        self._account_rows = Reserved(ACCOUNT_DTYPE, rows)
        self._behaviour_rows = Reserved(BEHAVIOUR_DTYPE, rows)

    def _grow_rows(self, need: int) -> None:
        """The account and behaviour arrays at least need rows long: a quarter more than they
        are (up to max_accounts, the reservations' rows), views of the same reservations (no copy)."""
        self.accounts = self._account_rows.grown(self.accounts.shape[0], need)
        self.behaviour = self._behaviour_rows.rows(self.accounts.shape[0])

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
            # Both can refuse (an id too long, too many zones): before anything changes.
            zone_code = self.zones.code(zone)
            slot = self.slot_of.add(account_id)
            if slot >= self.accounts.shape[0]:
                self._grow_rows(slot + 1)
            self.n_accounts += 1
            self.zones.append(zone_code)
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
        slots = self.slot_of.slots_of(account_ids)
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
                self._grow_rows(end)
            new_ids = [account_ids[i] for i in new.tolist()]
            slots[new] = self._add_accounts(new_ids, [zones[i] for i in new.tolist()])
            # A new account's rows, as _rows_after makes them (zeroed as bytes, for the same reason).
            fresh, seen = self.accounts[first:end], self.behaviour[first:end]
            fresh.view(np.uint8)[:] = 0
            seen.view(np.uint8)[:] = 0
            fresh["currency"] = currencies[new]
            fresh["utc_offset_s"] = utc_offsets_s[new]
            fresh["day_index"], fresh["month_index"] = NO_DAY, NO_MONTH
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
        # The zones' codes first: past the zone limit this refuses before anything changes.
        codes = {zone: self.zones.code(zone) for zone in set(zones)}
        slots = self.slot_of.add_many(account_ids)
        self.zones.extend(np.fromiter((codes[zone] for zone in zones), np.uint16, len(zones)))
        self.n_accounts += len(account_ids)
        return np.asarray(slots, dtype=np.int64)

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
            account["day_index"] = NO_DAY
            account["month_index"] = NO_MONTH
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
        and behaviour (as Book.book_hold) and gets its row in the hold table, in one compiled
        loop: a bulk chunk places up to its size of them."""
        found = self.slot_of.slots_of(account_ids)
        if (found < 0).any():
            raise KeyError(account_ids[int((found < 0).argmax())])
        n = len(found)
        # The number columns as arrays (a repeated field or a list converts in C), placed by the
        # compiled loop a journal's tail is replayed with, one expiry and one time for all.
        with self.holds_lock:
            self.hold_table.place_rows(
                self.book, list(authorization_ids), found, list(merchant_ids), np.full(n, expires_s, np.int64),
                np.asarray(channels, np.int32), np.asarray(amounts, np.int64), np.asarray(flags, np.int32),
                np.asarray(devices, np.uint64), np.asarray(ipnets, np.uint64), np.asarray(lats, np.float64),
                np.asarray(lons, np.float64), np.asarray(terms, np.int32), np.asarray(rates, np.int32),
                np.full(n, now_s, np.int64))

    def place_hold(self, authorization_id: str, slot: int, merchant_id: str, expires_s: int, channel: int,
                   amount: int, flags: int, device: int, ipnet: int, lat: float, lon: float, term: int, rate: int,
                   now_s: int) -> None:
        """place_holds of one hold (one Authorize's HoldPlaced), on its account's slot."""
        with self.holds_lock:
            self.hold_table.place(self.book, authorization_id, slot, merchant_id, expires_s, channel, amount, flags,
                                  device, ipnet, lat, lon, term, rate, now_s)

    def place_hold_rows(self, tail, rows: np.ndarray) -> None:
        """place_hold of the given rows of a journal tail's columns (authcore._fast.wire.TailBuffer,
        each row a HoldPlaced), in order: a replay's approvals in one compiled call. An account
        not in the ledger raises KeyError, as place_hold's caller's lookup does, after the holds
        before it are placed."""
        picked = rows.tolist()
        account_ids = [tail.account_ids[row] for row in picked]
        slots = self.slot_of.slots_of(account_ids)
        missing = np.flatnonzero(slots < 0)
        if len(missing):
            rows, slots, picked = rows[:int(missing[0])], slots[:int(missing[0])], picked[:int(missing[0])]
        with self.holds_lock:
            self.hold_table.place_rows(
                self.book, [tail.authorization_ids[row] for row in picked], slots,
                [tail.merchant_ids[row] for row in picked], tail.expires_s[rows], tail.channel[rows],
                tail.amount[rows], tail.flags[rows], tail.device[rows], tail.ipnet[rows], tail.lat[rows],
                tail.lon[rows], tail.term[rows], tail.rate[rows], tail.at_s[rows])
        if len(missing):
            raise KeyError(account_ids[int(missing[0])])

    def hold(self, authorization_id: str) -> HoldRef | None:
        """The hold of an authorization id; None when unknown or dropped (see dropped())."""
        row = self.hold_table.find(authorization_id)
        return None if row < 0 else HoldRef(self.hold_table, row)

    def dropped(self, authorization_id: str) -> bool:
        """True when the id's hold was closed and dropped after its refund window."""
        return self.hold_table.find(authorization_id) == DROPPED

    def open_holds_listed(self, slot: int | None, limit: int) -> tuple[int, list[Hold]]:
        """(how many open holds an account has, copies of the first limit of them by created_s,
        in the order they were placed among equals); slot None: an account not created yet."""
        if slot is None:
            return 0, []
        table = self.hold_table
        rows = np.asarray(table.open_rows(slot), np.int64)
        first = rows[np.argsort(table.rows["created_s"][rows], kind="stable")[:limit]]
        return len(rows), [HoldRef(table, row).copy() for row in first.tolist()]

    def plans_of(self, slot: int | None) -> list[HoldRef]:
        """An account's captured holds with an installment plan, in the order they were captured."""
        if slot is None:
            return []
        table = self.hold_table
        return [HoldRef(table, row) for row in table.plan_rows(slot)]

    def capture(self, hold: HoldRef, amount: int, now_s: int = 0) -> None:
        fields = self._open_fields(hold)
        self.book.capture_hold(fields[1], fields[2], fields[3], amount, fields[4], fields[5], fields[6])
        with self.holds_lock:
            self.hold_table.capture(hold.row, amount, now_s)

    def release(self, hold: HoldRef, state: str, now_s: int = 0) -> None:
        """Void or expire a hold."""
        fields = self._open_fields(hold)
        self.book.void_hold(fields[1], fields[2], fields[3], fields[4], fields[5], fields[6])
        with self.holds_lock:
            self.hold_table.release(hold.row, state, now_s)

    @staticmethod
    def _open_fields(hold: HoldRef) -> tuple:
        """The fields of a hold about to be closed, checked open before any money moves."""
        fields = hold.fields()
        if fields[10] != HELD:
            raise ValueError(f"authorization {fields[0]} is {fields[10]}, not held")
        return fields

    def refund(self, hold: HoldRef, amount: int) -> None:
        if hold.state != CAPTURED:
            raise ValueError(f"authorization {hold.authorization_id} is {hold.state}, not captured")
        self.book.refund(hold.slot, amount)
        with self.holds_lock:
            self.hold_table.refund(hold.row, amount)

    def repay(self, slot: int, amount: int) -> int:
        return self.book.repay(slot, amount)

    def due_holds(self, now_s: int, limit: int) -> list[HoldRef]:
        """Take up to limit open holds whose time is up off the expiry queue, oldest first."""
        with self.holds_lock:
            rows = self.hold_table.due(now_s, limit)
        return [HoldRef(self.hold_table, row) for row in rows]

    def requeue(self, hold: HoldRef) -> None:
        """Put a hold taken by due_holds back on the expiry queue (its expiry could not be written)."""
        with self.holds_lock:
            if self.hold_table.state_of(hold.row, hold.gen) == HELD:
                self.hold_table.requeue(hold.row)

    def refund_window_s(self) -> int:
        return policy_mod.refund_window_days(self.policy) * 86400

    def past_window(self, now_s: int, limit: int) -> list[HoldRef]:
        """Take up to limit closed holds whose refund window is over off their queue, oldest
        first (a hold with an installment plan: a window after its last installment)."""
        with self.holds_lock:
            rows = self.hold_table.past_window(now_s, self.refund_window_s(), limit)
        return [HoldRef(self.hold_table, row) for row in rows]

    def requeue_closed(self, holds: list[HoldRef]) -> None:
        """Put closed holds taken by past_window back on their queue (their drop could not be written)."""
        with self.holds_lock:
            for hold in holds:
                if self.hold_table.state_of(hold.row, hold.gen) not in (HELD, DROPPED_STATE):
                    self.hold_table.requeue_closed(hold.row)

    def drop(self, authorization_ids) -> None:
        """Drop closed holds past their refund window (a HoldsDropped record): their rows are
        freed, their ids stay known as dropped."""
        with self.holds_lock:
            for authorization_id in authorization_ids:
                self.hold_table.drop(authorization_id)

    # -- snapshots ------------------------------------------------------------------------

    def dump(self) -> dict:
        """The ledger as plain data (numpy rows, bytes, tuples) for a snapshot."""
        n = self.n_accounts
        zone_names, zone_codes = self.zones.dump()
        return {
            "policy": self.policy.SerializeToString(deterministic=True),
            "profile_specs": list(self.profile_specs),
            "accounts": self.accounts[:n].copy(),
            "behaviour": self.behaviour[:n].copy(),
            # The ids as the index's arrays (their UTF-8 bytes and offsets), each account's zone
            # as a code into zone_names; older snapshots have lists of str (account_ids, zones).
            "account_index": self.slot_of.to_arrays(),
            "zone_names": zone_names,
            "zone_codes": zone_codes,
            "overrides": {slot: p.SerializeToString(deterministic=True) for slot, p in self.overrides.items()},
            "holds": self.hold_table.dump(),
            "credit_scores": dict(self.credit_scores),
            "auto_installment": dict(self.auto_installment),
        }

    def _load_accounts(self, state: dict, n: int) -> None:
        """The index and zones of a snapshot's n accounts, in either form dump() has written."""
        # A snapshot may hold more accounts than max_accounts now allows: they are all kept (and
        # no account is added until there are fewer), as before.
        bound = max(self.max_accounts, n, 1)
        if "account_index" in state:
            self.slot_of = AccountIndex.from_arrays(state["account_index"], bound)
            self.zones = Zones(state["zone_names"], state["zone_codes"], reserve=bound)
        else:
            self.slot_of = AccountIndex(bound)
            slots = self.slot_of.add_many(state["account_ids"])
            if len(self.slot_of) != len(slots):
                raise ValueError("the snapshot's account ids repeat")
            self.zones = Zones.of(state["zones"], reserve=bound)
        if len(self.slot_of) != n or len(self.zones) != n:
            raise ValueError(f"the snapshot has {n} account rows, {len(self.slot_of)} ids and {len(self.zones)} zones")
        self.account_ids = AccountIds(self.slot_of)

    @classmethod
    def load(cls, state: dict, max_accounts: int) -> "Ledger":
        """A ledger from dump(): limit profiles rebuilt in the same order, rows copied back."""
        ledger = cls(policy_pb2.Policy.FromString(state["policy"]), max_accounts)
        for tier, blob in state["profile_specs"][len(ledger.profile_specs):]:
            ledger._profile_for(tier, common_pb2.LimitProfile.FromString(blob) if blob else None)
        if ledger.profile_specs != state["profile_specs"]:
            raise ValueError("the snapshot's limit profiles do not rebuild in order")
        n = len(state["accounts"])
        if n > max_accounts:
            # More accounts than max_accounts now allows: all kept, in reservations that hold them.
            ledger._reserve(n)
        ledger.accounts = ledger._account_rows.rows(max(n, MIN_ROWS))
        ledger.behaviour = ledger._behaviour_rows.rows(max(n, MIN_ROWS))
        # Rows of the layouts before the narrowed rows are converted field by field.
        for rows, into in ((current_accounts(state["accounts"]), ledger.accounts),
                           (current_behaviour(state["behaviour"]), ledger.behaviour)):
            # As bytes: a structured copy goes field by field, several times slower.
            into.view(np.uint8)[:rows.nbytes] = np.ascontiguousarray(rows).view(np.uint8)
        ledger.n_accounts = n
        ledger._load_accounts(state, n)
        ledger.overrides = {slot: common_pb2.LimitProfile.FromString(b) for slot, b in state["overrides"].items()}
        ledger.credit_scores = dict(state["credit_scores"])
        ledger.auto_installment = dict(state["auto_installment"])
        ledger._bind()
        holds = state["holds"]
        if isinstance(holds, dict):
            ledger.hold_table = HoldTable.load(holds)
        else:
            # A snapshot of the form before the hold table: a list of Hold tuples.
            for fields in holds:
                hold = Hold(*fields)
                ledger.hold_table.restore(*dataclasses.astuple(hold))
        return ledger
