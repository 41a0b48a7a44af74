import type { GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Channel, LimitProfile, Tier } from "./common_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/policy.proto.
 */
export declare const file_authcore_v1_policy: GenFile;
/**
 * The versioned policy every decision is made under. Defaults ship with the package.
 *
 * @generated from message authcore.v1.Policy
 */
export type Policy = Message<"authcore.v1.Policy"> & {
    /**
     * Operator-chosen version, stamped on every decision, e.g. "2026-11-22.1".
     *
     * @generated from field: string version = 1;
     */
    version: string;
    /**
     * How long an approved hold lives before it lapses; default 7 days.
     *
     * @generated from field: int64 hold_ttl_seconds = 2;
     */
    holdTtlSeconds: bigint;
    /**
     * The limit profile of each tier; every tier must be present.
     *
     * @generated from field: repeated authcore.v1.TierPolicy tiers = 3;
     */
    tiers: TierPolicy[];
    /**
     * Fraud rules and the risk model's thresholds.
     *
     * @generated from field: authcore.v1.RiskPolicy risk = 4;
     */
    risk?: RiskPolicy | undefined;
    /**
     * The installment plans offered and who may have them.
     *
     * @generated from field: authcore.v1.InstallmentPolicy installments = 5;
     */
    installments?: InstallmentPolicy | undefined;
    /**
     * How long a closed hold (captured, voided or expired) is kept, in days: a refund is taken
     * until this long after its capture, and is refused as REFUND_WINDOW_PASSED after it; the
     * sweeper then drops the hold (one with an installment plan: this long after its last
     * installment). 1 to 3650; unset: 180.
     *
     * @generated from field: optional int32 refund_window_days = 6;
     */
    refundWindowDays?: number | undefined;
};
/**
 * Describes the message authcore.v1.Policy.
 * Use `create(PolicySchema)` to create a new message.
 */
export declare const PolicySchema: GenMessage<Policy>;
/**
 * @generated from message authcore.v1.InstallmentPolicy
 */
export type InstallmentPolicy = Message<"authcore.v1.InstallmentPolicy"> & {
    /**
     * @generated from field: repeated authcore.v1.InstallmentPlanPolicy plans = 1;
     */
    plans: InstallmentPlanPolicy[];
    /**
     * Merchant categories whose purchases cannot be split.
     *
     * @generated from field: repeated string excluded_mccs = 2;
     */
    excludedMccs: string[];
    /**
     * The channels whose purchases can be split.
     *
     * @generated from field: repeated authcore.v1.Channel channels = 3;
     */
    channels: Channel[];
    /**
     * The lowest threshold a customer may set for auto-installment.
     *
     * @generated from field: int64 auto_min_threshold_minor = 4;
     */
    autoMinThresholdMinor: bigint;
};
/**
 * Describes the message authcore.v1.InstallmentPolicy.
 * Use `create(InstallmentPolicySchema)` to create a new message.
 */
export declare const InstallmentPolicySchema: GenMessage<InstallmentPolicy>;
/**
 * @generated from message authcore.v1.InstallmentPlanPolicy
 */
export type InstallmentPlanPolicy = Message<"authcore.v1.InstallmentPlanPolicy"> & {
    /**
     * @generated from field: int32 term_months = 1;
     */
    termMonths: number;
    /**
     * Interest per month on the original principal, in basis points (60 = 0.6 % a month).
     *
     * @generated from field: int32 monthly_rate_bps = 2;
     */
    monthlyRateBps: number;
    /**
     * @generated from field: int64 min_amount_minor = 3;
     */
    minAmountMinor: bigint;
    /**
     * The tiers the plan is open to; empty: every tier.
     *
     * @generated from field: repeated authcore.v1.Tier tiers = 4;
     */
    tiers: Tier[];
    /**
     * The lowest credit score the plan is open to; 0: no score needed.
     *
     * @generated from field: double min_credit_score = 5;
     */
    minCreditScore: number;
    /**
     * No period may ask for more than this; 0: no cap.
     *
     * @generated from field: int64 max_period_payment_minor = 6;
     */
    maxPeriodPaymentMinor: bigint;
};
/**
 * Describes the message authcore.v1.InstallmentPlanPolicy.
 * Use `create(InstallmentPlanPolicySchema)` to create a new message.
 */
export declare const InstallmentPlanPolicySchema: GenMessage<InstallmentPlanPolicy>;
/**
 * Explicit fraud rules and what the model's score leads to. A rule whose limit is unset does not run.
 *
 * @generated from message authcore.v1.RiskPolicy
 */
export type RiskPolicy = Message<"authcore.v1.RiskPolicy"> & {
    /**
     * Model probability at or above which a payment is challenged (unless it carries two factors).
     *
     * @generated from field: double challenge_score = 1;
     */
    challengeScore: number;
    /**
     * Model probability at or above which a payment is declined as suspected fraud (ISO 59).
     *
     * @generated from field: double decline_score = 2;
     */
    declineScore: number;
    /**
     * Velocity: at most this many approved payments in a sliding minute / hour (0: no cap).
     *
     * @generated from field: int32 max_payments_per_minute = 3;
     */
    maxPaymentsPerMinute: number;
    /**
     * @generated from field: int32 max_payments_per_hour = 4;
     */
    maxPaymentsPerHour: number;
    /**
     * Impossible travel: a payment at least min_travel_distance_km from the last one, faster than this.
     *
     * @generated from field: double max_travel_speed_kmh = 5;
     */
    maxTravelSpeedKmh: number;
    /**
     * @generated from field: double min_travel_distance_km = 6;
     */
    minTravelDistanceKm: number;
    /**
     * From a new device, at or above this amount the customer verifies with two factors (0: no rule).
     *
     * @generated from field: int64 new_device_challenge_minor = 7;
     */
    newDeviceChallengeMinor: bigint;
    /**
     * Merchant category codes and ISO 3166-1 alpha-2 countries where payments are not permitted.
     *
     * @generated from field: repeated string blocked_mccs = 8;
     */
    blockedMccs: string[];
    /**
     * @generated from field: repeated string blocked_countries = 9;
     */
    blockedCountries: string[];
    /**
     * Risk weight of merchant categories (feature mcc_risk), 0 to 1.
     *
     * @generated from field: map<string, double> mcc_risk = 10;
     */
    mccRisk: {
        [key: string]: number;
    };
    /**
     * The country whose merchants are domestic (feature foreign_merchant); "CN" when empty.
     *
     * @generated from field: string home_country = 11;
     */
    homeCountry: string;
    /**
     * Stand-in: when the model gives no usable score, or less than stand_in_budget_ms of the call's
     * deadline is left, the payment is decided on the rules and limits alone and approved only up
     * to stand_in_max_minor (0: stand-in decisions decline). Never a timeout instead of an answer.
     *
     * @generated from field: int64 stand_in_max_minor = 12;
     */
    standInMaxMinor: bigint;
    /**
     * @generated from field: int32 stand_in_budget_ms = 13;
     */
    standInBudgetMs: number;
};
/**
 * Describes the message authcore.v1.RiskPolicy.
 * Use `create(RiskPolicySchema)` to create a new message.
 */
export declare const RiskPolicySchema: GenMessage<RiskPolicy>;
/**
 * @generated from message authcore.v1.TierPolicy
 */
export type TierPolicy = Message<"authcore.v1.TierPolicy"> & {
    /**
     * @generated from field: authcore.v1.Tier tier = 1;
     */
    tier: Tier;
    /**
     * @generated from field: authcore.v1.LimitProfile limits = 2;
     */
    limits?: LimitProfile | undefined;
};
/**
 * Describes the message authcore.v1.TierPolicy.
 * Use `create(TierPolicySchema)` to create a new message.
 */
export declare const TierPolicySchema: GenMessage<TierPolicy>;
