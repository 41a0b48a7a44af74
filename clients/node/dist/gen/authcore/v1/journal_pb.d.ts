import type { GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { AccountStatus, Channel, LimitProfile, Tier } from "./common_pb.js";
import type { AutoInstallment } from "./installment_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/journal.proto.
 */
export declare const file_authcore_v1_journal: GenFile;
/**
 * The effect of one journal record: the change a request (or the expiry sweeper) made to the
 * state, carried in `JournalRecord.effect`, serialized, or nothing when the request changed
 * nothing (a decline, a refusal, a version already active). On start the effects are applied
 * again in record order, by the code that applied them the first time, which rebuilds the
 * state; a follower (a standby, a replication) can read them the same way. Amounts are minor
 * units of the account's currency.
 *
 * @generated from message authcore.v1.JournalEffect
 */
export type JournalEffect = Message<"authcore.v1.JournalEffect"> & {
    /**
     * The layout of this message: 1. A reader refuses an effect of a format it does not know
     * rather than apply part of it; a later format changes this number when a field changes
     * meaning (adding fields or effects does not).
     *
     * @generated from field: uint32 format = 1;
     */
    format: number;
    /**
     * What changed: exactly one is set.
     *
     * @generated from oneof authcore.v1.JournalEffect.effect
     */
    effect: {
        /**
         * An `Authorize` (or one payment of an `AuthorizeBatch`) was approved: a hold was placed.
         *
         * @generated from field: authcore.v1.HoldPlaced hold_placed = 2;
         */
        value: HoldPlaced;
        case: "holdPlaced";
    } | {
        /**
         * An `AuthorizeBulk` or `AuthorizeStream` chunk was decided: the holds of its approved payments.
         *
         * @generated from field: authcore.v1.HoldsPlaced holds_placed = 3;
         */
        value: HoldsPlaced;
        case: "holdsPlaced";
    } | {
        /**
         * `Capture`: a hold was captured and moved to the posted balance.
         *
         * @generated from field: authcore.v1.HoldCaptured hold_captured = 4;
         */
        value: HoldCaptured;
        case: "holdCaptured";
    } | {
        /**
         * `Void`: a hold was released without a capture.
         *
         * @generated from field: authcore.v1.HoldVoided hold_voided = 5;
         */
        value: HoldVoided;
        case: "holdVoided";
    } | {
        /**
         * The expiry sweeper (or a late `Capture` or `Void`) released a hold whose time was up.
         *
         * @generated from field: authcore.v1.HoldExpired hold_expired = 6;
         */
        value: HoldExpired;
        case: "holdExpired";
    } | {
        /**
         * `Refund`: part or all of a captured payment was given back.
         *
         * @generated from field: authcore.v1.HoldRefunded hold_refunded = 7;
         */
        value: HoldRefunded;
        case: "holdRefunded";
    } | {
        /**
         * `Repay`: the customer paid back some or all of the posted balance.
         *
         * @generated from field: authcore.v1.Repaid repaid = 8;
         */
        value: Repaid;
        case: "repaid";
    } | {
        /**
         * `UpsertAccount`: an account was created or its settings changed.
         *
         * @generated from field: authcore.v1.AccountSet account_set = 9;
         */
        value: AccountSet;
        case: "accountSet";
    } | {
        /**
         * `SetAutoInstallment`: an account's auto-installment setting changed.
         *
         * @generated from field: authcore.v1.AutoInstallmentSet auto_installment_set = 10;
         */
        value: AutoInstallmentSet;
        case: "autoInstallmentSet";
    } | {
        /**
         * `SetPolicy`, `ActivateVersion` or the watched policy file: a policy became active.
         *
         * @generated from field: authcore.v1.PolicySet policy_set = 11;
         */
        value: PolicySet;
        case: "policySet";
    } | {
        /**
         * `SetRiskModel`, `ActivateVersion` or the watched model file: a risk model became active.
         *
         * @generated from field: authcore.v1.RiskModelSet risk_model_set = 12;
         */
        value: RiskModelSet;
        case: "riskModelSet";
    } | {
        /**
         * `SetScorecard` or `ActivateVersion`: a credit scorecard became active.
         *
         * @generated from field: authcore.v1.ScorecardSet scorecard_set = 13;
         */
        value: ScorecardSet;
        case: "scorecardSet";
    } | {
        /**
         * The sweeper (method `Drop`): closed holds past the policy's refund window were dropped.
         *
         * @generated from field: authcore.v1.HoldsDropped holds_dropped = 14;
         */
        value: HoldsDropped;
        case: "holdsDropped";
    } | {
        /**
         * An `ImportAccounts` chunk: accounts created or changed, as columns.
         *
         * @generated from field: authcore.v1.AccountsImported accounts_imported = 15;
         */
        value: AccountsImported;
        case: "accountsImported";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message authcore.v1.JournalEffect.
 * Use `create(JournalEffectSchema)` to create a new message.
 */
export declare const JournalEffectSchema: GenMessage<JournalEffect>;
/**
 * One approved payment's hold on the account's credit line.
 *
 * @generated from message authcore.v1.HoldPlaced
 */
export type HoldPlaced = Message<"authcore.v1.HoldPlaced"> & {
    /**
     * The authorization's id, as answered (`AuthorizeResponse.authorization_id`).
     *
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * The account whose credit is held.
     *
     * @generated from field: string account_id = 2;
     */
    accountId: string;
    /**
     * The channel the payment came from.
     *
     * @generated from field: authcore.v1.Channel channel = 3;
     */
    channel: Channel;
    /**
     * The amount held.
     *
     * @generated from field: int64 amount_minor = 4;
     */
    amountMinor: bigint;
    /**
     * Bits: 1 counted in the scan-to-pay static-code daily window, 2 counted in the quick-pay
     * no-verification daily window, 4 approved by the stand-in (without the risk model).
     *
     * @generated from field: uint32 flags = 5;
     */
    flags: number;
    /**
     * The account's local day the hold was counted in: days since 1970-01-01 in the account's time zone.
     *
     * @generated from field: int32 day_index = 6;
     */
    dayIndex: number;
    /**
     * The account's local month the hold was counted in: year * 12 + month - 1.
     *
     * @generated from field: int32 month_index = 7;
     */
    monthIndex: number;
    /**
     * When the hold lapses unless it is captured or voided first.
     *
     * @generated from field: google.protobuf.Timestamp expires_at = 8;
     */
    expiresAt?: Timestamp | undefined;
    /**
     * The merchant paid (`AuthorizeRequest.merchant.merchant_id`).
     *
     * @generated from field: string merchant_id = 9;
     */
    merchantId: string;
    /**
     * The payment's device: a 64-bit hash (BLAKE2b) of `device.device_id`; 0 when none was given.
     *
     * @generated from field: fixed64 device_hash = 10;
     */
    deviceHash: bigint;
    /**
     * The payment's network: a 64-bit hash (BLAKE2b) of the IPv4 /24 or IPv6 /48 of `device.ip`;
     * 0 when none was given.
     *
     * @generated from field: fixed64 ip_network_hash = 11;
     */
    ipNetworkHash: bigint;
    /**
     * Where the payment was made, in degrees; unset when unknown (a location of exactly 0, 0 is unknown).
     *
     * @generated from field: optional double latitude = 12;
     */
    latitude?: number | undefined;
    /**
     * Where the payment was made, in degrees; unset when unknown.
     *
     * @generated from field: optional double longitude = 13;
     */
    longitude?: number | undefined;
    /**
     * The installment plan riding on the hold, booked when it is captured: its term; 0 when paid in full.
     *
     * @generated from field: int32 installment_term_months = 14;
     */
    installmentTermMonths: number;
    /**
     * The plan's interest per month on the principal, in basis points.
     *
     * @generated from field: int32 installment_monthly_rate_bps = 15;
     */
    installmentMonthlyRateBps: number;
};
/**
 * Describes the message authcore.v1.HoldPlaced.
 * Use `create(HoldPlacedSchema)` to create a new message.
 */
export declare const HoldPlacedSchema: GenMessage<HoldPlaced>;
/**
 * The holds of the approved payments of one `AuthorizeBulk` or `AuthorizeStream` chunk, as
 * columns: element i of every repeated field belongs to the i-th approved payment, in the order
 * the chunk decided them. Each column means what the field of the same name means in `HoldPlaced`.
 *
 * @generated from message authcore.v1.HoldsPlaced
 */
export type HoldsPlaced = Message<"authcore.v1.HoldsPlaced"> & {
    /**
     * The authorizations' ids (`AuthorizeBulkResponse.authorization_ids` of the approved payments).
     *
     * @generated from field: repeated string authorization_ids = 1;
     */
    authorizationIds: string[];
    /**
     * The accounts whose credit is held.
     *
     * @generated from field: repeated string account_ids = 2;
     */
    accountIds: string[];
    /**
     * The merchants paid.
     *
     * @generated from field: repeated string merchant_ids = 3;
     */
    merchantIds: string[];
    /**
     * When the holds lapse: one time for the whole chunk.
     *
     * @generated from field: google.protobuf.Timestamp expires_at = 4;
     */
    expiresAt?: Timestamp | undefined;
    /**
     * The channel of each payment.
     *
     * @generated from field: repeated authcore.v1.Channel channels = 5;
     */
    channels: Channel[];
    /**
     * The amounts held.
     *
     * @generated from field: repeated int64 amounts_minor = 6;
     */
    amountsMinor: bigint[];
    /**
     * The flag bits of each hold (`HoldPlaced.flags`).
     *
     * @generated from field: repeated uint32 flags = 7;
     */
    flags: number[];
    /**
     * The account's local day each hold was counted in.
     *
     * @generated from field: repeated int32 day_indexes = 8;
     */
    dayIndexes: number[];
    /**
     * The account's local month each hold was counted in.
     *
     * @generated from field: repeated int32 month_indexes = 9;
     */
    monthIndexes: number[];
    /**
     * The device hash of each payment; 0 when none was given.
     *
     * @generated from field: repeated fixed64 device_hashes = 10;
     */
    deviceHashes: bigint[];
    /**
     * The network hash of each payment; 0 when none was given.
     *
     * @generated from field: repeated fixed64 ip_network_hashes = 11;
     */
    ipNetworkHashes: bigint[];
    /**
     * The latitude of each payment, in degrees; NaN when unknown.
     *
     * @generated from field: repeated double latitudes = 12;
     */
    latitudes: number[];
    /**
     * The longitude of each payment, in degrees; NaN when unknown.
     *
     * @generated from field: repeated double longitudes = 13;
     */
    longitudes: number[];
    /**
     * The installment term riding on each hold (auto-installment); 0 when paid in full.
     *
     * @generated from field: repeated int32 installment_terms_months = 14;
     */
    installmentTermsMonths: number[];
    /**
     * The monthly interest of each plan, in basis points; 0 when paid in full.
     *
     * @generated from field: repeated int32 installment_monthly_rates_bps = 15;
     */
    installmentMonthlyRatesBps: number[];
};
/**
 * Describes the message authcore.v1.HoldsPlaced.
 * Use `create(HoldsPlacedSchema)` to create a new message.
 */
export declare const HoldsPlacedSchema: GenMessage<HoldsPlaced>;
/**
 * A hold captured: the captured amount moves to the posted balance, the rest is released.
 *
 * @generated from message authcore.v1.HoldCaptured
 */
export type HoldCaptured = Message<"authcore.v1.HoldCaptured"> & {
    /**
     * The authorization captured.
     *
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * The amount captured, at most the amount held.
     *
     * @generated from field: int64 amount_minor = 2;
     */
    amountMinor: bigint;
};
/**
 * Describes the message authcore.v1.HoldCaptured.
 * Use `create(HoldCapturedSchema)` to create a new message.
 */
export declare const HoldCapturedSchema: GenMessage<HoldCaptured>;
/**
 * A hold voided: its whole amount is released.
 *
 * @generated from message authcore.v1.HoldVoided
 */
export type HoldVoided = Message<"authcore.v1.HoldVoided"> & {
    /**
     * The authorization voided.
     *
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
};
/**
 * Describes the message authcore.v1.HoldVoided.
 * Use `create(HoldVoidedSchema)` to create a new message.
 */
export declare const HoldVoidedSchema: GenMessage<HoldVoided>;
/**
 * A hold lapsed at its expiry time: its whole amount is released.
 *
 * @generated from message authcore.v1.HoldExpired
 */
export type HoldExpired = Message<"authcore.v1.HoldExpired"> & {
    /**
     * The authorization that lapsed.
     *
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
};
/**
 * Describes the message authcore.v1.HoldExpired.
 * Use `create(HoldExpiredSchema)` to create a new message.
 */
export declare const HoldExpiredSchema: GenMessage<HoldExpired>;
/**
 * Closed holds (captured, voided or expired) dropped from memory once the policy's
 * refund_window_days passed; a refund of one is refused as REFUND_WINDOW_PASSED.
 *
 * @generated from message authcore.v1.HoldsDropped
 */
export type HoldsDropped = Message<"authcore.v1.HoldsDropped"> & {
    /**
     * The authorizations dropped, at most 1000 a record.
     *
     * @generated from field: repeated string authorization_ids = 1;
     */
    authorizationIds: string[];
};
/**
 * Describes the message authcore.v1.HoldsDropped.
 * Use `create(HoldsDroppedSchema)` to create a new message.
 */
export declare const HoldsDroppedSchema: GenMessage<HoldsDropped>;
/**
 * A captured payment refunded, in part or in whole: the amount leaves the posted balance.
 *
 * @generated from message authcore.v1.HoldRefunded
 */
export type HoldRefunded = Message<"authcore.v1.HoldRefunded"> & {
    /**
     * The authorization refunded.
     *
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * The amount of this refund.
     *
     * @generated from field: int64 amount_minor = 2;
     */
    amountMinor: bigint;
};
/**
 * Describes the message authcore.v1.HoldRefunded.
 * Use `create(HoldRefundedSchema)` to create a new message.
 */
export declare const HoldRefundedSchema: GenMessage<HoldRefunded>;
/**
 * A repayment: the amount leaves the posted balance, and the overdue amount first.
 *
 * @generated from message authcore.v1.Repaid
 */
export type Repaid = Message<"authcore.v1.Repaid"> & {
    /**
     * The account repaid.
     *
     * @generated from field: string account_id = 1;
     */
    accountId: string;
    /**
     * The amount repaid.
     *
     * @generated from field: int64 amount_minor = 2;
     */
    amountMinor: bigint;
};
/**
 * Describes the message authcore.v1.Repaid.
 * Use `create(RepaidSchema)` to create a new message.
 */
export declare const RepaidSchema: GenMessage<Repaid>;
/**
 * An account's settings as a whole after an `UpsertAccount` (a new account, or every setting of
 * an existing one, changed or not).
 *
 * @generated from message authcore.v1.AccountSet
 */
export type AccountSet = Message<"authcore.v1.AccountSet"> & {
    /**
     * The account.
     *
     * @generated from field: string account_id = 1;
     */
    accountId: string;
    /**
     * The credit line.
     *
     * @generated from field: int64 credit_limit_minor = 2;
     */
    creditLimitMinor: bigint;
    /**
     * The status set by the issuer (an overdue amount freezes the account on top of it).
     *
     * @generated from field: authcore.v1.AccountStatus status = 3;
     */
    status: AccountStatus;
    /**
     * The customer tier, whose limit profile applies.
     *
     * @generated from field: authcore.v1.Tier tier = 4;
     */
    tier: Tier;
    /**
     * Limits replacing the tier's; unset (or empty) when the tier's apply as they are.
     *
     * @generated from field: authcore.v1.LimitProfile limit_overrides = 5;
     */
    limitOverrides?: LimitProfile | undefined;
    /**
     * The overdue part of the posted balance, set by billing.
     *
     * @generated from field: int64 overdue_minor = 6;
     */
    overdueMinor: bigint;
    /**
     * The account's currency, an ISO 4217 alphabetic code; fixed when the account is created.
     *
     * @generated from field: string currency = 7;
     */
    currency: string;
    /**
     * The account's IANA time zone; fixed when the account is created.
     *
     * @generated from field: string time_zone = 8;
     */
    timeZone: string;
    /**
     * The zone's UTC offset, found when the account was created (zones with daylight saving time are
     * refused), so that applying the effect again does not depend on the time zone database.
     *
     * @generated from field: int32 utc_offset_seconds = 9;
     */
    utcOffsetSeconds: number;
    /**
     * The score of the customer's latest credit assessment; unset leaves the score on file as it is.
     *
     * @generated from field: optional double credit_score = 10;
     */
    creditScore?: number | undefined;
};
/**
 * Describes the message authcore.v1.AccountSet.
 * Use `create(AccountSetSchema)` to create a new message.
 */
export declare const AccountSetSchema: GenMessage<AccountSet>;
/**
 * The accounts of one `ImportAccounts` chunk, as columns: element i of every per-row column
 * belongs to the i-th row, each an account's settings as a whole after the chunk (as
 * `AccountSet` has them; an account's limit overrides are kept as they are). An account id
 * appears at most once.
 *
 * @generated from message authcore.v1.AccountsImported
 */
export type AccountsImported = Message<"authcore.v1.AccountsImported"> & {
    /**
     * The accounts, new ones first seen here.
     *
     * @generated from field: repeated string account_ids = 1;
     */
    accountIds: string[];
    /**
     * The credit lines.
     *
     * @generated from field: repeated int64 credit_limits_minor = 2;
     */
    creditLimitsMinor: bigint[];
    /**
     * The statuses set by the issuer.
     *
     * @generated from field: repeated authcore.v1.AccountStatus statuses = 3;
     */
    statuses: AccountStatus[];
    /**
     * The customer tiers.
     *
     * @generated from field: repeated authcore.v1.Tier tiers = 4;
     */
    tiers: Tier[];
    /**
     * The overdue parts of the posted balances.
     *
     * @generated from field: repeated int64 overdue_minor = 5;
     */
    overdueMinor: bigint[];
    /**
     * The chunk's currencies, each once (ISO 4217 alphabetic codes); row i's is
     * currencies[currency_indexes[i]]. For an existing account: its own.
     *
     * @generated from field: repeated string currencies = 6;
     */
    currencies: string[];
    /**
     * Each row's index into currencies.
     *
     * @generated from field: repeated uint32 currency_indexes = 7;
     */
    currencyIndexes: number[];
    /**
     * The chunk's IANA time zones, each once, with their UTC offsets (found when the chunk was
     * decided, as `AccountSet.utc_offset_seconds`); row i's is time_zones[time_zone_indexes[i]].
     * For an existing account: its own.
     *
     * @generated from field: repeated string time_zones = 8;
     */
    timeZones: string[];
    /**
     * Each zone's UTC offset, in seconds.
     *
     * @generated from field: repeated int32 utc_offsets_seconds = 9;
     */
    utcOffsetsSeconds: number[];
    /**
     * Each row's index into time_zones (and utc_offsets_seconds).
     *
     * @generated from field: repeated uint32 time_zone_indexes = 10;
     */
    timeZoneIndexes: number[];
    /**
     * The scores of the latest credit assessments; empty when the chunk set none, NaN in a row
     * that leaves the score on file as it is.
     *
     * @generated from field: repeated double credit_scores = 11;
     */
    creditScores: number[];
};
/**
 * Describes the message authcore.v1.AccountsImported.
 * Use `create(AccountsImportedSchema)` to create a new message.
 */
export declare const AccountsImportedSchema: GenMessage<AccountsImported>;
/**
 * An account's auto-installment setting.
 *
 * @generated from message authcore.v1.AutoInstallmentSet
 */
export type AutoInstallmentSet = Message<"authcore.v1.AutoInstallmentSet"> & {
    /**
     * The account.
     *
     * @generated from field: string account_id = 1;
     */
    accountId: string;
    /**
     * The setting as it now is (disabled: enabled false, no term, no threshold).
     *
     * @generated from field: authcore.v1.AutoInstallment setting = 2;
     */
    setting?: AutoInstallment | undefined;
};
/**
 * Describes the message authcore.v1.AutoInstallmentSet.
 * Use `create(AutoInstallmentSetSchema)` to create a new message.
 */
export declare const AutoInstallmentSetSchema: GenMessage<AutoInstallmentSet>;
/**
 * A policy made active for every decision after it.
 *
 * @generated from message authcore.v1.PolicySet
 */
export type PolicySet = Message<"authcore.v1.PolicySet"> & {
    /**
     * The policy, an `authcore.v1.Policy` serialized: exactly the content stored under its version
     * (table `versions`, whose digest is of these bytes).
     *
     * @generated from field: bytes policy = 1;
     */
    policy: Uint8Array;
};
/**
 * Describes the message authcore.v1.PolicySet.
 * Use `create(PolicySetSchema)` to create a new message.
 */
export declare const PolicySetSchema: GenMessage<PolicySet>;
/**
 * A risk model made active for every decision after it.
 *
 * @generated from message authcore.v1.RiskModelSet
 */
export type RiskModelSet = Message<"authcore.v1.RiskModelSet"> & {
    /**
     * The model file as it was loaded (LightGBM text or JSON, XGBoost JSON, authcore-linear-v1 JSON),
     * exactly the content stored under its version.
     *
     * @generated from field: bytes model = 1;
     */
    model: Uint8Array;
    /**
     * The model's version.
     *
     * @generated from field: string version = 2;
     */
    version: string;
};
/**
 * Describes the message authcore.v1.RiskModelSet.
 * Use `create(RiskModelSetSchema)` to create a new message.
 */
export declare const RiskModelSetSchema: GenMessage<RiskModelSet>;
/**
 * A credit scorecard made active.
 *
 * @generated from message authcore.v1.ScorecardSet
 */
export type ScorecardSet = Message<"authcore.v1.ScorecardSet"> & {
    /**
     * The scorecard, an `authcore.v1.Scorecard` serialized: exactly the content stored under its version.
     *
     * @generated from field: bytes scorecard = 1;
     */
    scorecard: Uint8Array;
};
/**
 * Describes the message authcore.v1.ScorecardSet.
 * Use `create(ScorecardSetSchema)` to create a new message.
 */
export declare const ScorecardSetSchema: GenMessage<ScorecardSet>;
/**
 * One record of the journal: every mutating request appends one before its answer leaves, in
 * the order the changes were made. The journal is a sequence of segment files
 * (`<data_dir>/journal/<first seq>.seg`); each record there is framed by its length and a
 * CRC-32 of its bytes (docs/operations.md, "The journal"). The same bytes are what other
 * services read.
 *
 * @generated from message authcore.v1.JournalRecord
 */
export type JournalRecord = Message<"authcore.v1.JournalRecord"> & {
    /**
     * The record's place in the journal: 1, 2, 3, ... without gaps.
     *
     * @generated from field: uint64 seq = 1;
     */
    seq: bigint;
    /**
     * When the change was made, in seconds since the epoch (UTC).
     *
     * @generated from field: int64 at_s = 2;
     */
    atS: bigint;
    /**
     * The RPC method that made it ("Authorize", "Capture", ...; "Expire" for the sweeper).
     *
     * @generated from field: string method = 3;
     */
    method: string;
    /**
     * The request's `request_id`; empty for changes no request asked for (an expiry).
     *
     * @generated from field: string request_id = 4;
     */
    requestId: string;
    /**
     * A digest of the request (method and fields): a retry with the same `request_id` must match it.
     *
     * @generated from field: bytes fingerprint = 5;
     */
    fingerprint: Uint8Array;
    /**
     * A serialized `JournalEffect`; empty when the request changed nothing.
     *
     * @generated from field: bytes effect = 6;
     */
    effect: Uint8Array;
    /**
     * The serialized response the request got: a retry with its `request_id` gets it again.
     *
     * @generated from field: bytes response = 7;
     */
    response: Uint8Array;
    /**
     * BLAKE2b-128 over the previous record's digest and this record's fields (at_s, method,
     * request_id, effect, fingerprint, response; at_s as decimal text; each followed by a zero byte
     * but the last): a
     * record changed, lost or reordered breaks the chain from there on.
     *
     * @generated from field: bytes digest = 8;
     */
    digest: Uint8Array;
    /**
     * The decision record of an Authorize, a batch or a bulk chunk (`authcore audit`); not part of
     * the digest chain.
     *
     * @generated from field: authcore.v1.JournalAudit audit = 9;
     */
    audit?: JournalAudit | undefined;
};
/**
 * Describes the message authcore.v1.JournalRecord.
 * Use `create(JournalRecordSchema)` to create a new message.
 */
export declare const JournalRecordSchema: GenMessage<JournalRecord>;
/**
 * What a decision was made on, for `authcore audit`: the kernel's inputs, the features, the
 * account's rows before it, and what was answered, as columns (authcore.journal.audit).
 *
 * @generated from message authcore.v1.JournalAudit
 */
export type JournalAudit = Message<"authcore.v1.JournalAudit"> & {
    /**
     * "Authorize", "AuthorizeBatch" or "AuthorizeBulk".
     *
     * @generated from field: string method = 1;
     */
    method: string;
    /**
     * The request_id of the call (of the batch or chunk).
     *
     * @generated from field: string request_id = 2;
     */
    requestId: string;
    /**
     * How many decisions the columns hold.
     *
     * @generated from field: uint32 decisions = 3;
     */
    decisions: number;
    /**
     * The policy and risk model versions that decided.
     *
     * @generated from field: string policy_version = 4;
     */
    policyVersion: string;
    /**
     * @generated from field: string model_version = 5;
     */
    modelVersion: string;
    /**
     * The columns, encoded by authcore.journal.audit.encode.
     *
     * @generated from field: bytes data = 6;
     */
    data: Uint8Array;
};
/**
 * Describes the message authcore.v1.JournalAudit.
 * Use `create(JournalAuditSchema)` to create a new message.
 */
export declare const JournalAuditSchema: GenMessage<JournalAudit>;
