import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Channel } from "./common_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/installment.proto.
 */
export declare const file_authcore_v1_installment: GenFile;
/**
 * @generated from message authcore.v1.IneligibilityDetail
 */
export type IneligibilityDetail = Message<"authcore.v1.IneligibilityDetail"> & {
    /**
     * @generated from field: authcore.v1.InstallmentIneligibility reason = 1;
     */
    reason: InstallmentIneligibility;
    /**
     * @generated from field: string message_zh = 2;
     */
    messageZh: string;
    /**
     * @generated from field: string message_en = 3;
     */
    messageEn: string;
    /**
     * What to do about it.
     *
     * @generated from field: string hint_zh = 4;
     */
    hintZh: string;
    /**
     * @generated from field: string hint_en = 5;
     */
    hintEn: string;
};
/**
 * Describes the message authcore.v1.IneligibilityDetail.
 * Use `create(IneligibilityDetailSchema)` to create a new message.
 */
export declare const IneligibilityDetailSchema: GenMessage<IneligibilityDetail>;
/**
 * @generated from message authcore.v1.InstallmentPeriod
 */
export type InstallmentPeriod = Message<"authcore.v1.InstallmentPeriod"> & {
    /**
     * @generated from field: int32 number = 1;
     */
    number: number;
    /**
     * Local date, YYYY-MM-DD; set on a schedule, not on a quote.
     *
     * @generated from field: string due_date = 2;
     */
    dueDate: string;
    /**
     * @generated from field: int64 principal_minor = 3;
     */
    principalMinor: bigint;
    /**
     * @generated from field: int64 interest_minor = 4;
     */
    interestMinor: bigint;
    /**
     * @generated from field: int64 payment_minor = 5;
     */
    paymentMinor: bigint;
};
/**
 * Describes the message authcore.v1.InstallmentPeriod.
 * Use `create(InstallmentPeriodSchema)` to create a new message.
 */
export declare const InstallmentPeriodSchema: GenMessage<InstallmentPeriod>;
/**
 * A plan for an amount: every period to the fen, the cost as interest and as an annualized rate.
 *
 * @generated from message authcore.v1.InstallmentQuote
 */
export type InstallmentQuote = Message<"authcore.v1.InstallmentQuote"> & {
    /**
     * @generated from field: int32 term_months = 1;
     */
    termMonths: number;
    /**
     * @generated from field: bool eligible = 2;
     */
    eligible: boolean;
    /**
     * @generated from field: repeated authcore.v1.IneligibilityDetail ineligible = 3;
     */
    ineligible: IneligibilityDetail[];
    /**
     * @generated from field: int64 principal_minor = 4;
     */
    principalMinor: bigint;
    /**
     * The whole cost of the plan, shown as interest.
     *
     * @generated from field: int64 interest_minor = 5;
     */
    interestMinor: bigint;
    /**
     * @generated from field: int64 total_minor = 6;
     */
    totalMinor: bigint;
    /**
     * The policy's monthly rate on the principal, in basis points.
     *
     * @generated from field: int32 monthly_rate_bps = 7;
     */
    monthlyRateBps: number;
    /**
     * Annualized rate by IRR (monthly internal rate of return x 12), in basis points: PBOC [2021] No. 3.
     *
     * @generated from field: int32 apr_bps = 8;
     */
    aprBps: number;
    /**
     * @generated from field: repeated authcore.v1.InstallmentPeriod periods = 9;
     */
    periods: InstallmentPeriod[];
};
/**
 * Describes the message authcore.v1.InstallmentQuote.
 * Use `create(InstallmentQuoteSchema)` to create a new message.
 */
export declare const InstallmentQuoteSchema: GenMessage<InstallmentQuote>;
/**
 * @generated from message authcore.v1.QuoteInstallmentsRequest
 */
export type QuoteInstallmentsRequest = Message<"authcore.v1.QuoteInstallmentsRequest"> & {
    /**
     * @generated from field: string account_id = 1;
     */
    accountId: string;
    /**
     * @generated from field: int64 amount_minor = 2;
     */
    amountMinor: bigint;
    /**
     * @generated from field: string currency = 3;
     */
    currency: string;
    /**
     * The channel and merchant category of the purchase, when known; unset skips those checks.
     *
     * @generated from field: authcore.v1.Channel channel = 4;
     */
    channel: Channel;
    /**
     * @generated from field: string mcc = 5;
     */
    mcc: string;
};
/**
 * Describes the message authcore.v1.QuoteInstallmentsRequest.
 * Use `create(QuoteInstallmentsRequestSchema)` to create a new message.
 */
export declare const QuoteInstallmentsRequestSchema: GenMessage<QuoteInstallmentsRequest>;
/**
 * @generated from message authcore.v1.QuoteInstallmentsResponse
 */
export type QuoteInstallmentsResponse = Message<"authcore.v1.QuoteInstallmentsResponse"> & {
    /**
     * @generated from field: repeated authcore.v1.InstallmentQuote quotes = 1;
     */
    quotes: InstallmentQuote[];
    /**
     * @generated from field: string policy_version = 2;
     */
    policyVersion: string;
};
/**
 * Describes the message authcore.v1.QuoteInstallmentsResponse.
 * Use `create(QuoteInstallmentsResponseSchema)` to create a new message.
 */
export declare const QuoteInstallmentsResponseSchema: GenMessage<QuoteInstallmentsResponse>;
/**
 * @generated from message authcore.v1.AutoInstallment
 */
export type AutoInstallment = Message<"authcore.v1.AutoInstallment"> & {
    /**
     * @generated from field: bool enabled = 1;
     */
    enabled: boolean;
    /**
     * @generated from field: int32 term_months = 2;
     */
    termMonths: number;
    /**
     * Approved purchases at or above this amount are split automatically.
     *
     * @generated from field: int64 threshold_minor = 3;
     */
    thresholdMinor: bigint;
};
/**
 * Describes the message authcore.v1.AutoInstallment.
 * Use `create(AutoInstallmentSchema)` to create a new message.
 */
export declare const AutoInstallmentSchema: GenMessage<AutoInstallment>;
/**
 * @generated from message authcore.v1.SetAutoInstallmentRequest
 */
export type SetAutoInstallmentRequest = Message<"authcore.v1.SetAutoInstallmentRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string account_id = 2;
     */
    accountId: string;
    /**
     * @generated from field: authcore.v1.AutoInstallment setting = 3;
     */
    setting?: AutoInstallment | undefined;
};
/**
 * Describes the message authcore.v1.SetAutoInstallmentRequest.
 * Use `create(SetAutoInstallmentRequestSchema)` to create a new message.
 */
export declare const SetAutoInstallmentRequestSchema: GenMessage<SetAutoInstallmentRequest>;
/**
 * @generated from message authcore.v1.SetAutoInstallmentResponse
 */
export type SetAutoInstallmentResponse = Message<"authcore.v1.SetAutoInstallmentResponse"> & {
    /**
     * @generated from field: authcore.v1.AutoInstallment setting = 1;
     */
    setting?: AutoInstallment | undefined;
};
/**
 * Describes the message authcore.v1.SetAutoInstallmentResponse.
 * Use `create(SetAutoInstallmentResponseSchema)` to create a new message.
 */
export declare const SetAutoInstallmentResponseSchema: GenMessage<SetAutoInstallmentResponse>;
/**
 * @generated from message authcore.v1.GetAutoInstallmentRequest
 */
export type GetAutoInstallmentRequest = Message<"authcore.v1.GetAutoInstallmentRequest"> & {
    /**
     * @generated from field: string account_id = 1;
     */
    accountId: string;
};
/**
 * Describes the message authcore.v1.GetAutoInstallmentRequest.
 * Use `create(GetAutoInstallmentRequestSchema)` to create a new message.
 */
export declare const GetAutoInstallmentRequestSchema: GenMessage<GetAutoInstallmentRequest>;
/**
 * @generated from message authcore.v1.GetAutoInstallmentResponse
 */
export type GetAutoInstallmentResponse = Message<"authcore.v1.GetAutoInstallmentResponse"> & {
    /**
     * @generated from field: authcore.v1.AutoInstallment setting = 1;
     */
    setting?: AutoInstallment | undefined;
};
/**
 * Describes the message authcore.v1.GetAutoInstallmentResponse.
 * Use `create(GetAutoInstallmentResponseSchema)` to create a new message.
 */
export declare const GetAutoInstallmentResponseSchema: GenMessage<GetAutoInstallmentResponse>;
/**
 * The repayment schedule of a captured purchase split into installments.
 *
 * @generated from message authcore.v1.InstallmentSchedule
 */
export type InstallmentSchedule = Message<"authcore.v1.InstallmentSchedule"> & {
    /**
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * @generated from field: int32 term_months = 2;
     */
    termMonths: number;
    /**
     * @generated from field: int64 principal_minor = 3;
     */
    principalMinor: bigint;
    /**
     * @generated from field: int64 interest_minor = 4;
     */
    interestMinor: bigint;
    /**
     * @generated from field: int32 apr_bps = 5;
     */
    aprBps: number;
    /**
     * @generated from field: repeated authcore.v1.InstallmentPeriod periods = 6;
     */
    periods: InstallmentPeriod[];
};
/**
 * Describes the message authcore.v1.InstallmentSchedule.
 * Use `create(InstallmentScheduleSchema)` to create a new message.
 */
export declare const InstallmentScheduleSchema: GenMessage<InstallmentSchedule>;
/**
 * Why a plan is not available, or why auto-installment cannot be turned on.
 *
 * @generated from enum authcore.v1.InstallmentIneligibility
 */
export declare enum InstallmentIneligibility {
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE = 1;
     */
    ACCOUNT_NOT_ACTIVE = 1,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE = 2;
     */
    ACCOUNT_OVERDUE = 2,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE = 3;
     */
    TIER_NOT_ELIGIBLE = 3,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW = 4;
     */
    CREDIT_SCORE_TOO_LOW = 4,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED = 5;
     */
    TERM_NOT_OFFERED = 5,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED = 6;
     */
    MERCHANT_CATEGORY_EXCLUDED = 6,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED = 7;
     */
    CHANNEL_NOT_SUPPORTED = 7,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM = 8;
     */
    AMOUNT_BELOW_MINIMUM = 8,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT = 9;
     */
    INSUFFICIENT_CREDIT = 9,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE = 10;
     */
    PERIOD_PAYMENT_TOO_LARGE = 10,
    /**
     * @generated from enum value: INSTALLMENT_INELIGIBILITY_THRESHOLD_BELOW_MINIMUM = 11;
     */
    THRESHOLD_BELOW_MINIMUM = 11
}
/**
 * Describes the enum authcore.v1.InstallmentIneligibility.
 */
export declare const InstallmentIneligibilitySchema: GenEnum<InstallmentIneligibility>;
/**
 * Installment plans: quotes with their cost as interest and annualized rate, and auto-installment.
 *
 * @generated from service authcore.v1.InstallmentService
 */
export declare const InstallmentService: GenService<{
    /**
     * Every plan the policy offers for an amount, each eligible or saying exactly why not.
     *
     * @generated from rpc authcore.v1.InstallmentService.QuoteInstallments
     */
    quoteInstallments: {
        methodKind: "unary";
        input: typeof QuoteInstallmentsRequestSchema;
        output: typeof QuoteInstallmentsResponseSchema;
    };
    /**
     * Turns auto-installment (自动分期) on or off; refuses with the precise reason and the fix.
     *
     * @generated from rpc authcore.v1.InstallmentService.SetAutoInstallment
     */
    setAutoInstallment: {
        methodKind: "unary";
        input: typeof SetAutoInstallmentRequestSchema;
        output: typeof SetAutoInstallmentResponseSchema;
    };
    /**
     * @generated from rpc authcore.v1.InstallmentService.GetAutoInstallment
     */
    getAutoInstallment: {
        methodKind: "unary";
        input: typeof GetAutoInstallmentRequestSchema;
        output: typeof GetAutoInstallmentResponseSchema;
    };
}>;
