import type { GenEnum, GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/common.proto.
 */
export declare const file_authcore_v1_common: GenFile;
/**
 * One limit and how much of it is used: the "why can't I pay?" building block.
 *
 * @generated from message authcore.v1.LimitWindow
 */
export type LimitWindow = Message<"authcore.v1.LimitWindow"> & {
    /**
     * @generated from field: authcore.v1.LimitScope scope = 1;
     */
    scope: LimitScope;
    /**
     * Set when scope is LIMIT_SCOPE_CHANNEL.
     *
     * @generated from field: authcore.v1.Channel channel = 2;
     */
    channel: Channel;
    /**
     * @generated from field: authcore.v1.LimitPeriod period = 3;
     */
    period: LimitPeriod;
    /**
     * @generated from field: authcore.v1.LimitUnit unit = 4;
     */
    unit: LimitUnit;
    /**
     * @generated from field: int64 limit = 5;
     */
    limit: bigint;
    /**
     * @generated from field: int64 used = 6;
     */
    used: bigint;
    /**
     * limit - used, never below zero.
     *
     * @generated from field: int64 remaining = 7;
     */
    remaining: bigint;
    /**
     * When the window starts again (local midnight, or the first of next month); unset per transaction.
     *
     * @generated from field: google.protobuf.Timestamp resets_at = 8;
     */
    resetsAt?: Timestamp | undefined;
};
/**
 * Describes the message authcore.v1.LimitWindow.
 * Use `create(LimitWindowSchema)` to create a new message.
 */
export declare const LimitWindowSchema: GenMessage<LimitWindow>;
/**
 * A reason with everything a channel needs to show it to the customer and act on it.
 *
 * @generated from message authcore.v1.ReasonDetail
 */
export type ReasonDetail = Message<"authcore.v1.ReasonDetail"> & {
    /**
     * @generated from field: authcore.v1.Reason reason = 1;
     */
    reason: Reason;
    /**
     * ISO 8583 field 39 response code, e.g. "51".
     *
     * @generated from field: string iso8583_code = 2;
     */
    iso8583Code: string;
    /**
     * @generated from field: authcore.v1.RetryCategory retry_category = 3;
     */
    retryCategory: RetryCategory;
    /**
     * @generated from field: string message_zh = 4;
     */
    messageZh: string;
    /**
     * @generated from field: string message_en = 5;
     */
    messageEn: string;
    /**
     * What to do about it, e.g. "repay ¥120.00 to restore payments".
     *
     * @generated from field: string hint_zh = 6;
     */
    hintZh: string;
    /**
     * @generated from field: string hint_en = 7;
     */
    hintEn: string;
    /**
     * The limit that was hit, when the reason is a limit.
     *
     * @generated from field: authcore.v1.LimitWindow window = 8;
     */
    window?: LimitWindow | undefined;
};
/**
 * Describes the message authcore.v1.ReasonDetail.
 * Use `create(ReasonDetailSchema)` to create a new message.
 */
export declare const ReasonDetailSchema: GenMessage<ReasonDetail>;
/**
 * A limit profile. In a tier an unset field means "no limit of this kind" (the PBOC and
 * UnionPay fields default to the regulatory values); in account overrides a set field
 * replaces the tier's value.
 *
 * @generated from message authcore.v1.LimitProfile
 */
export type LimitProfile = Message<"authcore.v1.LimitProfile"> & {
    /**
     * @generated from field: optional int64 per_transaction_minor = 1;
     */
    perTransactionMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 daily_amount_minor = 2;
     */
    dailyAmountMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 daily_count = 3;
     */
    dailyCount?: bigint | undefined;
    /**
     * @generated from field: optional int64 monthly_amount_minor = 4;
     */
    monthlyAmountMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 monthly_count = 5;
     */
    monthlyCount?: bigint | undefined;
    /**
     * @generated from field: repeated authcore.v1.ChannelLimits channels = 6;
     */
    channels: ChannelLimits[];
    /**
     * At most 50,000 (500 CNY), the PBOC cap for static codes.
     *
     * @generated from field: optional int64 scan_static_qr_daily_minor = 7;
     */
    scanStaticQrDailyMinor?: bigint | undefined;
    /**
     * At most 100,000 (1,000 CNY), the PBOC cap for level C.
     *
     * @generated from field: optional int64 scan_dynamic_qr_level_c_daily_minor = 8;
     */
    scanDynamicQrLevelCDailyMinor?: bigint | undefined;
    /**
     * At most 500,000 (5,000 CNY), the PBOC cap for level B.
     *
     * @generated from field: optional int64 scan_dynamic_qr_level_b_daily_minor = 9;
     */
    scanDynamicQrLevelBDailyMinor?: bigint | undefined;
    /**
     * The self-agreed limit of level A.
     *
     * @generated from field: optional int64 scan_dynamic_qr_level_a_daily_minor = 10;
     */
    scanDynamicQrLevelADailyMinor?: bigint | undefined;
    /**
     * At most 100,000 (1,000 CNY), the UnionPay no-PIN small-amount limit.
     *
     * @generated from field: optional int64 quick_pay_no_verification_per_transaction_minor = 11;
     */
    quickPayNoVerificationPerTransactionMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 quick_pay_no_verification_daily_minor = 12;
     */
    quickPayNoVerificationDailyMinor?: bigint | undefined;
};
/**
 * Describes the message authcore.v1.LimitProfile.
 * Use `create(LimitProfileSchema)` to create a new message.
 */
export declare const LimitProfileSchema: GenMessage<LimitProfile>;
/**
 * Limits of one channel inside a profile.
 *
 * @generated from message authcore.v1.ChannelLimits
 */
export type ChannelLimits = Message<"authcore.v1.ChannelLimits"> & {
    /**
     * @generated from field: authcore.v1.Channel channel = 1;
     */
    channel: Channel;
    /**
     * Unset means allowed.
     *
     * @generated from field: optional bool allowed = 2;
     */
    allowed?: boolean | undefined;
    /**
     * @generated from field: optional int64 per_transaction_minor = 3;
     */
    perTransactionMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 daily_amount_minor = 4;
     */
    dailyAmountMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 daily_count = 5;
     */
    dailyCount?: bigint | undefined;
    /**
     * @generated from field: optional int64 monthly_amount_minor = 6;
     */
    monthlyAmountMinor?: bigint | undefined;
    /**
     * @generated from field: optional int64 monthly_count = 7;
     */
    monthlyCount?: bigint | undefined;
};
/**
 * Describes the message authcore.v1.ChannelLimits.
 * Use `create(ChannelLimitsSchema)` to create a new message.
 */
export declare const ChannelLimitsSchema: GenMessage<ChannelLimits>;
/**
 * The payment channel a request comes from. Each channel calls authcore with its own identity.
 *
 * @generated from enum authcore.v1.Channel
 */
export declare enum Channel {
    /**
     * @generated from enum value: CHANNEL_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * In-app and online checkout.
     *
     * @generated from enum value: CHANNEL_WALLET = 1;
     */
    WALLET = 1,
    /**
     * QR code payments, under the PBOC barcode-payment rules.
     *
     * @generated from enum value: CHANNEL_SCAN_TO_PAY = 2;
     */
    SCAN_TO_PAY = 2,
    /**
     * NFC tap at a terminal, with the small-amount no-verification limit.
     *
     * @generated from enum value: CHANNEL_QUICK_PAY = 3;
     */
    QUICK_PAY = 3
}
/**
 * Describes the enum authcore.v1.Channel.
 */
export declare const ChannelSchema: GenEnum<Channel>;
/**
 * The answer to an authorization.
 *
 * @generated from enum authcore.v1.Decision
 */
export declare enum Decision {
    /**
     * @generated from enum value: DECISION_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * A hold was placed on the credit line.
     *
     * @generated from enum value: DECISION_APPROVED = 1;
     */
    APPROVED = 1,
    /**
     * Nothing was held; `reason` says why and `max_approvable_minor` what would pass now.
     *
     * @generated from enum value: DECISION_DECLINED = 2;
     */
    DECLINED = 2,
    /**
     * Step-up: ask the customer for another verification factor, then retry with a new request_id.
     *
     * @generated from enum value: DECISION_CHALLENGE = 3;
     */
    CHALLENGE = 3
}
/**
 * Describes the enum authcore.v1.Decision.
 */
export declare const DecisionSchema: GenEnum<Decision>;
/**
 * Why a decision came out as it did. Values are ordered by precedence: when several checks
 * fail, `reason` is the one with the lowest number and `reasons` lists all of them in order.
 * Gaps are left so that later checks slot into their place in the order.
 *
 * @generated from enum authcore.v1.Reason
 */
export declare enum Reason {
    /**
     * @generated from enum value: REASON_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: REASON_APPROVED = 1;
     */
    APPROVED = 1,
    /**
     * Account state.
     *
     * @generated from enum value: REASON_ACCOUNT_CLOSED = 100;
     */
    ACCOUNT_CLOSED = 100,
    /**
     * @generated from enum value: REASON_ACCOUNT_FROZEN = 110;
     */
    ACCOUNT_FROZEN = 110,
    /**
     * @generated from enum value: REASON_ACCOUNT_FROZEN_OVERDUE = 120;
     */
    ACCOUNT_FROZEN_OVERDUE = 120,
    /**
     * @generated from enum value: REASON_CHANNEL_NOT_ALLOWED = 130;
     */
    CHANNEL_NOT_ALLOWED = 130,
    /**
     * Currency.
     *
     * @generated from enum value: REASON_CURRENCY_NOT_SUPPORTED = 200;
     */
    CURRENCY_NOT_SUPPORTED = 200,
    /**
     * Credit line: available = limit - posted - held.
     *
     * @generated from enum value: REASON_INSUFFICIENT_CREDIT = 300;
     */
    INSUFFICIENT_CREDIT = 300,
    /**
     * Account-wide limits.
     *
     * @generated from enum value: REASON_TRANSACTION_LIMIT_EXCEEDED = 400;
     */
    TRANSACTION_LIMIT_EXCEEDED = 400,
    /**
     * @generated from enum value: REASON_DAILY_AMOUNT_LIMIT_EXCEEDED = 410;
     */
    DAILY_AMOUNT_LIMIT_EXCEEDED = 410,
    /**
     * @generated from enum value: REASON_DAILY_COUNT_LIMIT_EXCEEDED = 420;
     */
    DAILY_COUNT_LIMIT_EXCEEDED = 420,
    /**
     * @generated from enum value: REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED = 430;
     */
    MONTHLY_AMOUNT_LIMIT_EXCEEDED = 430,
    /**
     * @generated from enum value: REASON_MONTHLY_COUNT_LIMIT_EXCEEDED = 440;
     */
    MONTHLY_COUNT_LIMIT_EXCEEDED = 440,
    /**
     * Limits of the request's channel.
     *
     * @generated from enum value: REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED = 450;
     */
    CHANNEL_TRANSACTION_LIMIT_EXCEEDED = 450,
    /**
     * @generated from enum value: REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED = 460;
     */
    CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED = 460,
    /**
     * @generated from enum value: REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED = 470;
     */
    CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED = 470,
    /**
     * @generated from enum value: REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED = 480;
     */
    CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED = 480,
    /**
     * @generated from enum value: REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED = 490;
     */
    CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED = 490,
    /**
     * PBOC barcode-payment rules (scan-to-pay).
     *
     * @generated from enum value: REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED = 500;
     */
    SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED = 500,
    /**
     * @generated from enum value: REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED = 510;
     */
    SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED = 510,
    /**
     * Risk rules and the risk model.
     *
     * @generated from enum value: REASON_MERCHANT_CATEGORY_BLOCKED = 600;
     */
    MERCHANT_CATEGORY_BLOCKED = 600,
    /**
     * @generated from enum value: REASON_MERCHANT_COUNTRY_BLOCKED = 610;
     */
    MERCHANT_COUNTRY_BLOCKED = 610,
    /**
     * @generated from enum value: REASON_VELOCITY_LIMIT_EXCEEDED = 620;
     */
    VELOCITY_LIMIT_EXCEEDED = 620,
    /**
     * @generated from enum value: REASON_IMPOSSIBLE_TRAVEL = 630;
     */
    IMPOSSIBLE_TRAVEL = 630,
    /**
     * @generated from enum value: REASON_SUSPECTED_FRAUD = 640;
     */
    SUSPECTED_FRAUD = 640,
    /**
     * Decided by the stand-in (without the risk model), which approves only small amounts.
     *
     * @generated from enum value: REASON_STAND_IN_LIMIT_EXCEEDED = 650;
     */
    STAND_IN_LIMIT_EXCEEDED = 650,
    /**
     * The installment plan asked for is not available for this purchase (the response says why).
     *
     * @generated from enum value: REASON_INSTALLMENT_NOT_AVAILABLE = 700;
     */
    INSTALLMENT_NOT_AVAILABLE = 700,
    /**
     * Step-up: the payment passes every other check once the customer verifies more.
     *
     * @generated from enum value: REASON_SCAN_QR_VERIFICATION_REQUIRED = 800;
     */
    SCAN_QR_VERIFICATION_REQUIRED = 800,
    /**
     * @generated from enum value: REASON_QUICK_PAY_VERIFICATION_REQUIRED = 810;
     */
    QUICK_PAY_VERIFICATION_REQUIRED = 810,
    /**
     * A large payment from a device the account has not used: verify with two factors.
     *
     * @generated from enum value: REASON_NEW_DEVICE_VERIFICATION_REQUIRED = 820;
     */
    NEW_DEVICE_VERIFICATION_REQUIRED = 820,
    /**
     * The risk model asks for a second factor.
     *
     * @generated from enum value: REASON_RISK_VERIFICATION_REQUIRED = 830;
     */
    RISK_VERIFICATION_REQUIRED = 830
}
/**
 * Describes the enum authcore.v1.Reason.
 */
export declare const ReasonSchema: GenEnum<Reason>;
/**
 * Visa's retry categories for declines.
 *
 * @generated from enum authcore.v1.RetryCategory
 */
export declare enum RetryCategory {
    /**
     * @generated from enum value: RETRY_CATEGORY_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Category 1: issuer will never approve; do not retry.
     *
     * @generated from enum value: RETRY_CATEGORY_NEVER = 1;
     */
    NEVER = 1,
    /**
     * Category 2: issuer cannot approve now; retry later.
     *
     * @generated from enum value: RETRY_CATEGORY_LATER = 2;
     */
    LATER = 2,
    /**
     * Category 3: fix the data (or verify the customer) and retry.
     *
     * @generated from enum value: RETRY_CATEGORY_FIX_AND_RETRY = 3;
     */
    FIX_AND_RETRY = 3
}
/**
 * Describes the enum authcore.v1.RetryCategory.
 */
export declare const RetryCategorySchema: GenEnum<RetryCategory>;
/**
 * @generated from enum authcore.v1.AccountStatus
 */
export declare enum AccountStatus {
    /**
     * @generated from enum value: ACCOUNT_STATUS_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: ACCOUNT_STATUS_ACTIVE = 1;
     */
    ACTIVE = 1,
    /**
     * Frozen by the issuer (risk review); also reported while a repayment is overdue.
     *
     * @generated from enum value: ACCOUNT_STATUS_FROZEN = 2;
     */
    FROZEN = 2,
    /**
     * @generated from enum value: ACCOUNT_STATUS_CLOSED = 3;
     */
    CLOSED = 3
}
/**
 * Describes the enum authcore.v1.AccountStatus.
 */
export declare const AccountStatusSchema: GenEnum<AccountStatus>;
/**
 * Customer tiers; each has its own limit profile in the policy. New customers start in TIER_NEW.
 *
 * @generated from enum authcore.v1.Tier
 */
export declare enum Tier {
    /**
     * @generated from enum value: TIER_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: TIER_NEW = 1;
     */
    NEW = 1,
    /**
     * @generated from enum value: TIER_STANDARD = 2;
     */
    STANDARD = 2,
    /**
     * @generated from enum value: TIER_PREMIUM = 3;
     */
    PREMIUM = 3
}
/**
 * Describes the enum authcore.v1.Tier.
 */
export declare const TierSchema: GenEnum<Tier>;
/**
 * @generated from enum authcore.v1.QrCodeType
 */
export declare enum QrCodeType {
    /**
     * @generated from enum value: QR_CODE_TYPE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * A printed merchant code (PBOC level D).
     *
     * @generated from enum value: QR_CODE_TYPE_STATIC = 1;
     */
    STATIC = 1,
    /**
     * A code generated for this payment (PBOC levels A to C, by verification).
     *
     * @generated from enum value: QR_CODE_TYPE_DYNAMIC = 2;
     */
    DYNAMIC = 2
}
/**
 * Describes the enum authcore.v1.QrCodeType.
 */
export declare const QrCodeTypeSchema: GenEnum<QrCodeType>;
/**
 * @generated from enum authcore.v1.VerificationFactor
 */
export declare enum VerificationFactor {
    /**
     * @generated from enum value: VERIFICATION_FACTOR_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: VERIFICATION_FACTOR_PASSWORD = 1;
     */
    PASSWORD = 1,
    /**
     * @generated from enum value: VERIFICATION_FACTOR_BIOMETRIC = 2;
     */
    BIOMETRIC = 2,
    /**
     * @generated from enum value: VERIFICATION_FACTOR_SMS_OTP = 3;
     */
    SMS_OTP = 3,
    /**
     * @generated from enum value: VERIFICATION_FACTOR_DIGITAL_CERTIFICATE = 4;
     */
    DIGITAL_CERTIFICATE = 4
}
/**
 * Describes the enum authcore.v1.VerificationFactor.
 */
export declare const VerificationFactorSchema: GenEnum<VerificationFactor>;
/**
 * What a limit window counts.
 *
 * @generated from enum authcore.v1.LimitUnit
 */
export declare enum LimitUnit {
    /**
     * @generated from enum value: LIMIT_UNIT_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Amounts in minor units of the account currency (fen).
     *
     * @generated from enum value: LIMIT_UNIT_MINOR = 1;
     */
    MINOR = 1,
    /**
     * Number of approved payments.
     *
     * @generated from enum value: LIMIT_UNIT_COUNT = 2;
     */
    COUNT = 2
}
/**
 * Describes the enum authcore.v1.LimitUnit.
 */
export declare const LimitUnitSchema: GenEnum<LimitUnit>;
/**
 * @generated from enum authcore.v1.LimitPeriod
 */
export declare enum LimitPeriod {
    /**
     * @generated from enum value: LIMIT_PERIOD_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: LIMIT_PERIOD_TRANSACTION = 1;
     */
    TRANSACTION = 1,
    /**
     * Calendar day in the account's time zone.
     *
     * @generated from enum value: LIMIT_PERIOD_DAY = 2;
     */
    DAY = 2,
    /**
     * Calendar month in the account's time zone.
     *
     * @generated from enum value: LIMIT_PERIOD_MONTH = 3;
     */
    MONTH = 3
}
/**
 * Describes the enum authcore.v1.LimitPeriod.
 */
export declare const LimitPeriodSchema: GenEnum<LimitPeriod>;
/**
 * Which rule a limit window belongs to.
 *
 * @generated from enum authcore.v1.LimitScope
 */
export declare enum LimitScope {
    /**
     * @generated from enum value: LIMIT_SCOPE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: LIMIT_SCOPE_ACCOUNT = 1;
     */
    ACCOUNT = 1,
    /**
     * @generated from enum value: LIMIT_SCOPE_CHANNEL = 2;
     */
    CHANNEL = 2,
    /**
     * Scan-to-pay with a static code: at most 500 CNY a day whatever the verification.
     *
     * @generated from enum value: LIMIT_SCOPE_SCAN_STATIC_QR = 3;
     */
    SCAN_STATIC_QR = 3,
    /**
     * Scan-to-pay with a dynamic code and fewer than two factors.
     *
     * @generated from enum value: LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_C = 4;
     */
    SCAN_DYNAMIC_QR_LEVEL_C = 4,
    /**
     * Scan-to-pay with a dynamic code and two or more factors, none a digital certificate.
     *
     * @generated from enum value: LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_B = 5;
     */
    SCAN_DYNAMIC_QR_LEVEL_B = 5,
    /**
     * Scan-to-pay with a dynamic code, a digital certificate and another factor (self-agreed).
     *
     * @generated from enum value: LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_A = 6;
     */
    SCAN_DYNAMIC_QR_LEVEL_A = 6,
    /**
     * Quick-pay without PIN or biometric.
     *
     * @generated from enum value: LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION = 7;
     */
    QUICK_PAY_NO_VERIFICATION = 7
}
/**
 * Describes the enum authcore.v1.LimitScope.
 */
export declare const LimitScopeSchema: GenEnum<LimitScope>;
