import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Channel, Decision, QrCodeType, Reason, ReasonDetail, VerificationFactor } from "./common_pb.js";
import type { InstallmentQuote } from "./installment_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Status } from "../../google/rpc/status_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/authorization.proto.
 */
export declare const file_authcore_v1_authorization: GenFile;
/**
 * @generated from message authcore.v1.Merchant
 */
export type Merchant = Message<"authcore.v1.Merchant"> & {
    /**
     * @generated from field: string merchant_id = 1;
     */
    merchantId: string;
    /**
     * ISO 18245 merchant category code, four digits.
     *
     * @generated from field: string mcc = 2;
     */
    mcc: string;
    /**
     * ISO 3166-1 alpha-2.
     *
     * @generated from field: string country = 3;
     */
    country: string;
};
/**
 * Describes the message authcore.v1.Merchant.
 * Use `create(MerchantSchema)` to create a new message.
 */
export declare const MerchantSchema: GenMessage<Merchant>;
/**
 * The factors the customer passed for this payment.
 *
 * @generated from message authcore.v1.Verification
 */
export type Verification = Message<"authcore.v1.Verification"> & {
    /**
     * @generated from field: repeated authcore.v1.VerificationFactor factors = 1;
     */
    factors: VerificationFactor[];
};
/**
 * Describes the message authcore.v1.Verification.
 * Use `create(VerificationSchema)` to create a new message.
 */
export declare const VerificationSchema: GenMessage<Verification>;
/**
 * @generated from message authcore.v1.Device
 */
export type Device = Message<"authcore.v1.Device"> & {
    /**
     * @generated from field: string device_id = 1;
     */
    deviceId: string;
    /**
     * @generated from field: string ip = 2;
     */
    ip: string;
    /**
     * @generated from field: double latitude = 3;
     */
    latitude: number;
    /**
     * @generated from field: double longitude = 4;
     */
    longitude: number;
};
/**
 * Describes the message authcore.v1.Device.
 * Use `create(DeviceSchema)` to create a new message.
 */
export declare const DeviceSchema: GenMessage<Device>;
/**
 * @generated from message authcore.v1.AuthorizeRequest
 */
export type AuthorizeRequest = Message<"authcore.v1.AuthorizeRequest"> & {
    /**
     * Idempotency key: a retry with the same id returns the original answer.
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string account_id = 2;
     */
    accountId: string;
    /**
     * @generated from field: authcore.v1.Channel channel = 3;
     */
    channel: Channel;
    /**
     * Amount in minor units (fen), > 0.
     *
     * @generated from field: int64 amount_minor = 4;
     */
    amountMinor: bigint;
    /**
     * ISO 4217 alphabetic code, e.g. "CNY".
     *
     * @generated from field: string currency = 5;
     */
    currency: string;
    /**
     * @generated from field: authcore.v1.Merchant merchant = 6;
     */
    merchant?: Merchant | undefined;
    /**
     * Required for CHANNEL_SCAN_TO_PAY, unset otherwise.
     *
     * @generated from field: authcore.v1.QrCodeType qr_code_type = 7;
     */
    qrCodeType: QrCodeType;
    /**
     * @generated from field: authcore.v1.Verification verification = 8;
     */
    verification?: Verification | undefined;
    /**
     * @generated from field: authcore.v1.Device device = 9;
     */
    device?: Device | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp occurred_at = 10;
     */
    occurredAt?: Timestamp | undefined;
    /**
     * Split the purchase into this many monthly installments (0: pay in full, or as auto-installment decides).
     *
     * @generated from field: int32 installment_term_months = 11;
     */
    installmentTermMonths: number;
};
/**
 * Describes the message authcore.v1.AuthorizeRequest.
 * Use `create(AuthorizeRequestSchema)` to create a new message.
 */
export declare const AuthorizeRequestSchema: GenMessage<AuthorizeRequest>;
/**
 * @generated from message authcore.v1.AuthorizeResponse
 */
export type AuthorizeResponse = Message<"authcore.v1.AuthorizeResponse"> & {
    /**
     * @generated from field: authcore.v1.Decision decision = 1;
     */
    decision: Decision;
    /**
     * Set when approved: the hold to capture or void.
     *
     * @generated from field: string authorization_id = 2;
     */
    authorizationId: string;
    /**
     * The reason of highest precedence.
     *
     * @generated from field: authcore.v1.Reason reason = 3;
     */
    reason: Reason;
    /**
     * Every reason that applies, in precedence order, with messages, hints and limits.
     *
     * @generated from field: repeated authcore.v1.ReasonDetail reasons = 4;
     */
    reasons: ReasonDetail[];
    /**
     * Credit available after this decision.
     *
     * @generated from field: int64 available_credit_minor = 5;
     */
    availableCreditMinor: bigint;
    /**
     * @generated from field: string policy_version = 6;
     */
    policyVersion: string;
    /**
     * The largest amount this request would have been approved for, on its channel with its
     * verification, at decision time: the least of what the credit line, every limit window, the
     * channel's rules and the stand-in limit left before this payment's own hold. On an APPROVED
     * answer it is therefore at least amount_minor (the hold is not deducted); after a decline or a
     * challenge it is the largest amount that would pass now. 0 when no amount would pass (a closed
     * or frozen account, a count limit reached, a blocking risk rule or score). The risk model is
     * not scored again for that amount.
     *
     * @generated from field: int64 max_approvable_minor = 7;
     */
    maxApprovableMinor: bigint;
    /**
     * When the hold lapses unless captured or voided; set when approved.
     *
     * @generated from field: google.protobuf.Timestamp hold_expires_at = 8;
     */
    holdExpiresAt?: Timestamp | undefined;
    /**
     * For analysts: the model's score, the rules that fired and the features that moved the score.
     *
     * @generated from field: authcore.v1.RiskAssessment risk = 9;
     */
    risk?: RiskAssessment | undefined;
    /**
     * The installment plan of the purchase: asked for, or applied by auto-installment (when it
     * could not be applied, the plan with eligible false and the reasons).
     *
     * @generated from field: authcore.v1.InstallmentQuote installment = 10;
     */
    installment?: InstallmentQuote | undefined;
    /**
     * Set when the payment was decided by the stand-in: rules and limits only, without the
     * model, and approved only up to the policy's stand-in amount (RiskPolicy.stand_in_max_minor).
     *
     * @generated from field: authcore.v1.StandInCause stand_in = 11;
     */
    standIn: StandInCause;
};
/**
 * Describes the message authcore.v1.AuthorizeResponse.
 * Use `create(AuthorizeResponseSchema)` to create a new message.
 */
export declare const AuthorizeResponseSchema: GenMessage<AuthorizeResponse>;
/**
 * @generated from message authcore.v1.RiskAssessment
 */
export type RiskAssessment = Message<"authcore.v1.RiskAssessment"> & {
    /**
     * Probability of fraud by the model; unset (NaN) when no model is loaded.
     *
     * @generated from field: double score = 1;
     */
    score: number;
    /**
     * @generated from field: string model_version = 2;
     */
    modelVersion: string;
    /**
     * @generated from field: string feature_schema = 3;
     */
    featureSchema: string;
    /**
     * The risk rules that fired, e.g. "velocity", "impossible_travel".
     *
     * @generated from field: repeated string rules_fired = 4;
     */
    rulesFired: string[];
    /**
     * The features with the largest contributions to the score, largest first (at most 5).
     *
     * @generated from field: repeated authcore.v1.FeatureContribution top_features = 5;
     */
    topFeatures: FeatureContribution[];
};
/**
 * Describes the message authcore.v1.RiskAssessment.
 * Use `create(RiskAssessmentSchema)` to create a new message.
 */
export declare const RiskAssessmentSchema: GenMessage<RiskAssessment>;
/**
 * @generated from message authcore.v1.FeatureContribution
 */
export type FeatureContribution = Message<"authcore.v1.FeatureContribution"> & {
    /**
     * @generated from field: string feature = 1;
     */
    feature: string;
    /**
     * The feature's value; NaN when unknown.
     *
     * @generated from field: double value = 2;
     */
    value: number;
    /**
     * Its share of the model's margin (log-odds).
     *
     * @generated from field: double contribution = 3;
     */
    contribution: number;
};
/**
 * Describes the message authcore.v1.FeatureContribution.
 * Use `create(FeatureContributionSchema)` to create a new message.
 */
export declare const FeatureContributionSchema: GenMessage<FeatureContribution>;
/**
 * @generated from message authcore.v1.AuthorizeBatchRequest
 */
export type AuthorizeBatchRequest = Message<"authcore.v1.AuthorizeBatchRequest"> & {
    /**
     * At most 1,000 requests, decided in order.
     *
     * @generated from field: repeated authcore.v1.AuthorizeRequest requests = 1;
     */
    requests: AuthorizeRequest[];
};
/**
 * Describes the message authcore.v1.AuthorizeBatchRequest.
 * Use `create(AuthorizeBatchRequestSchema)` to create a new message.
 */
export declare const AuthorizeBatchRequestSchema: GenMessage<AuthorizeBatchRequest>;
/**
 * @generated from message authcore.v1.AuthorizeBatchResponse
 */
export type AuthorizeBatchResponse = Message<"authcore.v1.AuthorizeBatchResponse"> & {
    /**
     * One per request, in the same order.
     *
     * @generated from field: repeated authcore.v1.AuthorizeBatchResult results = 1;
     */
    results: AuthorizeBatchResult[];
};
/**
 * Describes the message authcore.v1.AuthorizeBatchResponse.
 * Use `create(AuthorizeBatchResponseSchema)` to create a new message.
 */
export declare const AuthorizeBatchResponseSchema: GenMessage<AuthorizeBatchResponse>;
/**
 * @generated from message authcore.v1.AuthorizeBatchResult
 */
export type AuthorizeBatchResult = Message<"authcore.v1.AuthorizeBatchResult"> & {
    /**
     * @generated from oneof authcore.v1.AuthorizeBatchResult.result
     */
    result: {
        /**
         * @generated from field: authcore.v1.AuthorizeResponse response = 1;
         */
        value: AuthorizeResponse;
        case: "response";
    } | {
        /**
         * The error the unary call would have returned (e.g. INVALID_ARGUMENT, NOT_FOUND).
         *
         * @generated from field: google.rpc.Status error = 2;
         */
        value: Status;
        case: "error";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message authcore.v1.AuthorizeBatchResult.
 * Use `create(AuthorizeBatchResultSchema)` to create a new message.
 */
export declare const AuthorizeBatchResultSchema: GenMessage<AuthorizeBatchResult>;
/**
 * Payments as columns: entry i of every column belongs to payment i. A column is either empty
 * (every payment takes the default named on it) or exactly as long as account_ids. At most
 * 10,000 payments; the rules of each field are those of AuthorizeRequest.
 *
 * @generated from message authcore.v1.AuthorizeBulkRequest
 */
export type AuthorizeBulkRequest = Message<"authcore.v1.AuthorizeBulkRequest"> & {
    /**
     * Idempotency key of the whole chunk.
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: repeated string account_ids = 2;
     */
    accountIds: string[];
    /**
     * @generated from field: repeated int64 amounts_minor = 3;
     */
    amountsMinor: bigint[];
    /**
     * ISO 4217 alphabetic code of every payment in the chunk.
     *
     * @generated from field: string currency = 4;
     */
    currency: string;
    /**
     * @generated from field: repeated authcore.v1.Channel channels = 5;
     */
    channels: Channel[];
    /**
     * Empty: no QR code (every payment is a wallet or quick-pay payment).
     *
     * @generated from field: repeated authcore.v1.QrCodeType qr_code_types = 6;
     */
    qrCodeTypes: QrCodeType[];
    /**
     * The verification factors passed, as bits: bit (factor - 1) set for each factor.
     * Empty: none.
     *
     * @generated from field: repeated uint32 verification_factor_bits = 7;
     */
    verificationFactorBits: number[];
    /**
     * @generated from field: repeated string merchant_ids = 8;
     */
    merchantIds: string[];
    /**
     * @generated from field: repeated string mccs = 9;
     */
    mccs: string[];
    /**
     * Empty: unknown.
     *
     * @generated from field: repeated string merchant_countries = 10;
     */
    merchantCountries: string[];
    /**
     * Empty: unknown.
     *
     * @generated from field: repeated string device_ids = 11;
     */
    deviceIds: string[];
    /**
     * Empty: unknown.
     *
     * @generated from field: repeated string ips = 12;
     */
    ips: string[];
    /**
     * Empty: unknown (as is a location of exactly 0, 0).
     *
     * @generated from field: repeated double latitudes = 13;
     */
    latitudes: number[];
    /**
     * @generated from field: repeated double longitudes = 14;
     */
    longitudes: number[];
};
/**
 * Describes the message authcore.v1.AuthorizeBulkRequest.
 * Use `create(AuthorizeBulkRequestSchema)` to create a new message.
 */
export declare const AuthorizeBulkRequestSchema: GenMessage<AuthorizeBulkRequest>;
/**
 * The answers as columns, entry i for payment i.
 *
 * @generated from message authcore.v1.AuthorizeBulkResponse
 */
export type AuthorizeBulkResponse = Message<"authcore.v1.AuthorizeBulkResponse"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * DECISION_UNSPECIFIED for a payment listed in errors.
     *
     * @generated from field: repeated authcore.v1.Decision decisions = 2;
     */
    decisions: Decision[];
    /**
     * The reason of highest precedence (REASON_APPROVED when approved).
     *
     * @generated from field: repeated authcore.v1.Reason reasons = 3;
     */
    reasons: Reason[];
    /**
     * The hold of each approved payment; empty for the others.
     *
     * @generated from field: repeated string authorization_ids = 4;
     */
    authorizationIds: string[];
    /**
     * Credit available after each decision.
     *
     * @generated from field: repeated int64 available_credit_minor = 5;
     */
    availableCreditMinor: bigint[];
    /**
     * AuthorizeResponse.max_approvable_minor of each payment, at its turn (before its own hold).
     *
     * @generated from field: repeated int64 max_approvable_minor = 6;
     */
    maxApprovableMinor: bigint[];
    /**
     * The model's probability of fraud; NaN when no model is loaded or the payment was not decided.
     *
     * @generated from field: repeated double risk_scores = 7;
     */
    riskScores: number[];
    /**
     * Months of the installment plan auto-installment put on an approved payment; 0 otherwise.
     *
     * @generated from field: repeated int32 installment_terms = 8;
     */
    installmentTerms: number[];
    /**
     * Payments that were not decided, with the error the unary call would have returned
     * (NOT_FOUND for an unknown account).
     *
     * @generated from field: repeated authcore.v1.BulkItemError errors = 9;
     */
    errors: BulkItemError[];
    /**
     * When the holds approved in this chunk lapse unless captured or voided.
     *
     * @generated from field: google.protobuf.Timestamp hold_expires_at = 10;
     */
    holdExpiresAt?: Timestamp | undefined;
    /**
     * @generated from field: string policy_version = 11;
     */
    policyVersion: string;
    /**
     * @generated from field: string model_version = 12;
     */
    modelVersion: string;
    /**
     * Empty when no payment of the chunk was decided by the stand-in; otherwise one per payment.
     *
     * @generated from field: repeated authcore.v1.StandInCause stand_in = 13;
     */
    standIn: StandInCause[];
};
/**
 * Describes the message authcore.v1.AuthorizeBulkResponse.
 * Use `create(AuthorizeBulkResponseSchema)` to create a new message.
 */
export declare const AuthorizeBulkResponseSchema: GenMessage<AuthorizeBulkResponse>;
/**
 * @generated from message authcore.v1.AuthorizeStreamRequest
 */
export type AuthorizeStreamRequest = Message<"authcore.v1.AuthorizeStreamRequest"> & {
    /**
     * @generated from field: authcore.v1.AuthorizeBulkRequest chunk = 1;
     */
    chunk?: AuthorizeBulkRequest | undefined;
};
/**
 * Describes the message authcore.v1.AuthorizeStreamRequest.
 * Use `create(AuthorizeStreamRequestSchema)` to create a new message.
 */
export declare const AuthorizeStreamRequestSchema: GenMessage<AuthorizeStreamRequest>;
/**
 * @generated from message authcore.v1.AuthorizeStreamResponse
 */
export type AuthorizeStreamResponse = Message<"authcore.v1.AuthorizeStreamResponse"> & {
    /**
     * @generated from field: authcore.v1.AuthorizeBulkResponse chunk = 1;
     */
    chunk?: AuthorizeBulkResponse | undefined;
};
/**
 * Describes the message authcore.v1.AuthorizeStreamResponse.
 * Use `create(AuthorizeStreamResponseSchema)` to create a new message.
 */
export declare const AuthorizeStreamResponseSchema: GenMessage<AuthorizeStreamResponse>;
/**
 * @generated from message authcore.v1.BulkItemError
 */
export type BulkItemError = Message<"authcore.v1.BulkItemError"> & {
    /**
     * @generated from field: uint32 index = 1;
     */
    index: number;
    /**
     * @generated from field: google.rpc.Status status = 2;
     */
    status?: Status | undefined;
};
/**
 * Describes the message authcore.v1.BulkItemError.
 * Use `create(BulkItemErrorSchema)` to create a new message.
 */
export declare const BulkItemErrorSchema: GenMessage<BulkItemError>;
/**
 * @generated from message authcore.v1.CaptureRequest
 */
export type CaptureRequest = Message<"authcore.v1.CaptureRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string authorization_id = 2;
     */
    authorizationId: string;
    /**
     * Unset captures the whole hold; otherwise 0 < amount <= hold. The remainder is released.
     *
     * @generated from field: optional int64 amount_minor = 3;
     */
    amountMinor?: bigint | undefined;
    /**
     * @generated from field: string currency = 4;
     */
    currency: string;
};
/**
 * Describes the message authcore.v1.CaptureRequest.
 * Use `create(CaptureRequestSchema)` to create a new message.
 */
export declare const CaptureRequestSchema: GenMessage<CaptureRequest>;
/**
 * @generated from message authcore.v1.CaptureResponse
 */
export type CaptureResponse = Message<"authcore.v1.CaptureResponse"> & {
    /**
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * @generated from field: int64 captured_minor = 2;
     */
    capturedMinor: bigint;
    /**
     * Part of the hold returned to the credit line by a partial capture.
     *
     * @generated from field: int64 released_minor = 3;
     */
    releasedMinor: bigint;
    /**
     * @generated from field: int64 available_credit_minor = 4;
     */
    availableCreditMinor: bigint;
};
/**
 * Describes the message authcore.v1.CaptureResponse.
 * Use `create(CaptureResponseSchema)` to create a new message.
 */
export declare const CaptureResponseSchema: GenMessage<CaptureResponse>;
/**
 * @generated from message authcore.v1.VoidRequest
 */
export type VoidRequest = Message<"authcore.v1.VoidRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string authorization_id = 2;
     */
    authorizationId: string;
};
/**
 * Describes the message authcore.v1.VoidRequest.
 * Use `create(VoidRequestSchema)` to create a new message.
 */
export declare const VoidRequestSchema: GenMessage<VoidRequest>;
/**
 * @generated from message authcore.v1.VoidResponse
 */
export type VoidResponse = Message<"authcore.v1.VoidResponse"> & {
    /**
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * @generated from field: int64 released_minor = 2;
     */
    releasedMinor: bigint;
    /**
     * @generated from field: int64 available_credit_minor = 3;
     */
    availableCreditMinor: bigint;
};
/**
 * Describes the message authcore.v1.VoidResponse.
 * Use `create(VoidResponseSchema)` to create a new message.
 */
export declare const VoidResponseSchema: GenMessage<VoidResponse>;
/**
 * @generated from message authcore.v1.RefundRequest
 */
export type RefundRequest = Message<"authcore.v1.RefundRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string authorization_id = 2;
     */
    authorizationId: string;
    /**
     * @generated from field: int64 amount_minor = 3;
     */
    amountMinor: bigint;
    /**
     * @generated from field: string currency = 4;
     */
    currency: string;
};
/**
 * Describes the message authcore.v1.RefundRequest.
 * Use `create(RefundRequestSchema)` to create a new message.
 */
export declare const RefundRequestSchema: GenMessage<RefundRequest>;
/**
 * @generated from message authcore.v1.RefundResponse
 */
export type RefundResponse = Message<"authcore.v1.RefundResponse"> & {
    /**
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * @generated from field: string refund_id = 2;
     */
    refundId: string;
    /**
     * @generated from field: int64 refunded_minor = 3;
     */
    refundedMinor: bigint;
    /**
     * All refunds of this authorization so far, this one included.
     *
     * @generated from field: int64 refunded_total_minor = 4;
     */
    refundedTotalMinor: bigint;
    /**
     * @generated from field: int64 available_credit_minor = 5;
     */
    availableCreditMinor: bigint;
};
/**
 * Describes the message authcore.v1.RefundResponse.
 * Use `create(RefundResponseSchema)` to create a new message.
 */
export declare const RefundResponseSchema: GenMessage<RefundResponse>;
/**
 * Why a decision was made by the stand-in instead of the full decision.
 *
 * @generated from enum authcore.v1.StandInCause
 */
export declare enum StandInCause {
    /**
     * Not a stand-in decision.
     *
     * @generated from enum value: STAND_IN_CAUSE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * The risk model gave no usable score.
     *
     * @generated from enum value: STAND_IN_CAUSE_MODEL_FAILED = 1;
     */
    MODEL_FAILED = 1,
    /**
     * Less of the call's deadline was left than the policy's stand_in_budget_ms.
     *
     * @generated from enum value: STAND_IN_CAUSE_DEADLINE = 2;
     */
    DEADLINE = 2
}
/**
 * Describes the enum authcore.v1.StandInCause.
 */
export declare const StandInCauseSchema: GenEnum<StandInCause>;
/**
 * Decides payments and moves their holds through capture, void and refund.
 *
 * @generated from service authcore.v1.AuthorizationService
 */
export declare const AuthorizationService: GenService<{
    /**
     * Approves (placing a hold), declines or challenges one payment.
     *
     * @generated from rpc authcore.v1.AuthorizationService.Authorize
     */
    authorize: {
        methodKind: "unary";
        input: typeof AuthorizeRequestSchema;
        output: typeof AuthorizeResponseSchema;
    };
    /**
     * Decides many payments in order, as if sent one after another; for bulk callers. Decision,
     * reason and max_approvable_minor are those of the request's turn; the limit windows quoted in
     * a decline's reason details are as of the end of the batch.
     *
     * @generated from rpc authcore.v1.AuthorizationService.AuthorizeBatch
     */
    authorizeBatch: {
        methodKind: "unary";
        input: typeof AuthorizeBatchRequestSchema;
        output: typeof AuthorizeBatchResponseSchema;
    };
    /**
     * Decides a chunk of payments given as columns, in order, as if sent one after another: the
     * path for bulk callers. The chunk is one request, idempotent by its request_id. Answers
     * carry codes (decision, reason of highest precedence, amounts), not messages: the reasons
     * table has the messages of every code.
     *
     * @generated from rpc authcore.v1.AuthorizationService.AuthorizeBulk
     */
    authorizeBulk: {
        methodKind: "unary";
        input: typeof AuthorizeBulkRequestSchema;
        output: typeof AuthorizeBulkResponseSchema;
    };
    /**
     * AuthorizeBulk over one stream: each message is a chunk, answered in order on the stream.
     * A chunk refused (for example INVALID_ARGUMENT) ends the stream with its status; the chunks
     * answered before it stand.
     *
     * @generated from rpc authcore.v1.AuthorizationService.AuthorizeStream
     */
    authorizeStream: {
        methodKind: "bidi_streaming";
        input: typeof AuthorizeStreamRequestSchema;
        output: typeof AuthorizeStreamResponseSchema;
    };
    /**
     * Posts an approved hold, in full or in part, at most once.
     *
     * @generated from rpc authcore.v1.AuthorizationService.Capture
     */
    capture: {
        methodKind: "unary";
        input: typeof CaptureRequestSchema;
        output: typeof CaptureResponseSchema;
    };
    /**
     * Releases an approved hold that was not captured.
     *
     * @generated from rpc authcore.v1.AuthorizationService.Void
     */
    void: {
        methodKind: "unary";
        input: typeof VoidRequestSchema;
        output: typeof VoidResponseSchema;
    };
    /**
     * Returns captured money to the credit line, never more than was captured.
     *
     * @generated from rpc authcore.v1.AuthorizationService.Refund
     */
    refund: {
        methodKind: "unary";
        input: typeof RefundRequestSchema;
        output: typeof RefundResponseSchema;
    };
}>;
