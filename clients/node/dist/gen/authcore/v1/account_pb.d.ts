import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { AccountStatus, Channel, LimitProfile, LimitWindow, ReasonDetail, Tier } from "./common_pb.js";
import type { AutoInstallment, InstallmentSchedule } from "./installment_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/account.proto.
 */
export declare const file_authcore_v1_account: GenFile;
/**
 * @generated from message authcore.v1.Account
 */
export type Account = Message<"authcore.v1.Account"> & {
    /**
     * @generated from field: string account_id = 1;
     */
    accountId: string;
    /**
     * @generated from field: authcore.v1.AccountStatus status = 2;
     */
    status: AccountStatus;
    /**
     * @generated from field: authcore.v1.Tier tier = 3;
     */
    tier: Tier;
    /**
     * @generated from field: string currency = 4;
     */
    currency: string;
    /**
     * IANA name, e.g. "Asia/Shanghai"; days and months are counted in it.
     *
     * @generated from field: string time_zone = 5;
     */
    timeZone: string;
    /**
     * @generated from field: int64 credit_limit_minor = 6;
     */
    creditLimitMinor: bigint;
    /**
     * limit - posted - held; negative when the limit was lowered below what is used.
     *
     * @generated from field: int64 available_credit_minor = 7;
     */
    availableCreditMinor: bigint;
    /**
     * @generated from field: int64 posted_balance_minor = 8;
     */
    postedBalanceMinor: bigint;
    /**
     * @generated from field: int64 held_minor = 9;
     */
    heldMinor: bigint;
    /**
     * @generated from field: int64 overdue_minor = 10;
     */
    overdueMinor: bigint;
    /**
     * Why payments are refused before any amount is looked at (closed, frozen, overdue).
     *
     * @generated from field: repeated authcore.v1.ReasonDetail blocking_reasons = 11;
     */
    blockingReasons: ReasonDetail[];
    /**
     * Every limit window with what is left of it today and this month.
     *
     * @generated from field: repeated authcore.v1.LimitWindow windows = 12;
     */
    windows: LimitWindow[];
    /**
     * The open holds, oldest first; at most 200 (open_hold_count says how many there are).
     *
     * @generated from field: repeated authcore.v1.Hold holds = 13;
     */
    holds: Hold[];
    /**
     * The overrides set on this account on top of its tier.
     *
     * @generated from field: authcore.v1.LimitProfile limit_overrides = 14;
     */
    limitOverrides?: LimitProfile | undefined;
    /**
     * @generated from field: int32 open_hold_count = 15;
     */
    openHoldCount: number;
    /**
     * Purchases being repaid in installments, with their schedules.
     *
     * @generated from field: repeated authcore.v1.InstallmentSchedule installments = 16;
     */
    installments: InstallmentSchedule[];
    /**
     * The credit score on file (from a credit assessment); unset when none.
     *
     * @generated from field: optional double credit_score = 17;
     */
    creditScore?: number | undefined;
    /**
     * @generated from field: authcore.v1.AutoInstallment auto_installment = 18;
     */
    autoInstallment?: AutoInstallment | undefined;
};
/**
 * Describes the message authcore.v1.Account.
 * Use `create(AccountSchema)` to create a new message.
 */
export declare const AccountSchema: GenMessage<Account>;
/**
 * An approved authorization that is neither captured, voided nor expired.
 *
 * @generated from message authcore.v1.Hold
 */
export type Hold = Message<"authcore.v1.Hold"> & {
    /**
     * @generated from field: string authorization_id = 1;
     */
    authorizationId: string;
    /**
     * @generated from field: authcore.v1.Channel channel = 2;
     */
    channel: Channel;
    /**
     * @generated from field: int64 amount_minor = 3;
     */
    amountMinor: bigint;
    /**
     * @generated from field: string merchant_id = 4;
     */
    merchantId: string;
    /**
     * @generated from field: google.protobuf.Timestamp created_at = 5;
     */
    createdAt?: Timestamp | undefined;
    /**
     * @generated from field: google.protobuf.Timestamp expires_at = 6;
     */
    expiresAt?: Timestamp | undefined;
};
/**
 * Describes the message authcore.v1.Hold.
 * Use `create(HoldSchema)` to create a new message.
 */
export declare const HoldSchema: GenMessage<Hold>;
/**
 * @generated from message authcore.v1.GetAccountRequest
 */
export type GetAccountRequest = Message<"authcore.v1.GetAccountRequest"> & {
    /**
     * @generated from field: string account_id = 1;
     */
    accountId: string;
};
/**
 * Describes the message authcore.v1.GetAccountRequest.
 * Use `create(GetAccountRequestSchema)` to create a new message.
 */
export declare const GetAccountRequestSchema: GenMessage<GetAccountRequest>;
/**
 * @generated from message authcore.v1.GetAccountResponse
 */
export type GetAccountResponse = Message<"authcore.v1.GetAccountResponse"> & {
    /**
     * @generated from field: authcore.v1.Account account = 1;
     */
    account?: Account | undefined;
    /**
     * @generated from field: string policy_version = 2;
     */
    policyVersion: string;
};
/**
 * Describes the message authcore.v1.GetAccountResponse.
 * Use `create(GetAccountResponseSchema)` to create a new message.
 */
export declare const GetAccountResponseSchema: GenMessage<GetAccountResponse>;
/**
 * @generated from message authcore.v1.RepayRequest
 */
export type RepayRequest = Message<"authcore.v1.RepayRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string account_id = 2;
     */
    accountId: string;
    /**
     * At most the posted balance.
     *
     * @generated from field: int64 amount_minor = 3;
     */
    amountMinor: bigint;
    /**
     * @generated from field: string currency = 4;
     */
    currency: string;
};
/**
 * Describes the message authcore.v1.RepayRequest.
 * Use `create(RepayRequestSchema)` to create a new message.
 */
export declare const RepayRequestSchema: GenMessage<RepayRequest>;
/**
 * @generated from message authcore.v1.RepayResponse
 */
export type RepayResponse = Message<"authcore.v1.RepayResponse"> & {
    /**
     * @generated from field: string repayment_id = 1;
     */
    repaymentId: string;
    /**
     * @generated from field: int64 repaid_minor = 2;
     */
    repaidMinor: bigint;
    /**
     * @generated from field: int64 posted_balance_minor = 3;
     */
    postedBalanceMinor: bigint;
    /**
     * @generated from field: int64 overdue_minor = 4;
     */
    overdueMinor: bigint;
    /**
     * @generated from field: int64 available_credit_minor = 5;
     */
    availableCreditMinor: bigint;
    /**
     * @generated from field: authcore.v1.AccountStatus status = 6;
     */
    status: AccountStatus;
};
/**
 * Describes the message authcore.v1.RepayResponse.
 * Use `create(RepayResponseSchema)` to create a new message.
 */
export declare const RepayResponseSchema: GenMessage<RepayResponse>;
/**
 * The customer's view of a credit line, and repayments.
 *
 * @generated from service authcore.v1.AccountService
 */
export declare const AccountService: GenService<{
    /**
     * Everything that decides whether the customer can pay now: the "why can't I pay?" view.
     *
     * @generated from rpc authcore.v1.AccountService.GetAccount
     */
    getAccount: {
        methodKind: "unary";
        input: typeof GetAccountRequestSchema;
        output: typeof GetAccountResponseSchema;
    };
    /**
     * Reduces the posted balance; paying the overdue amount lifts the overdue freeze.
     *
     * @generated from rpc authcore.v1.AccountService.Repay
     */
    repay: {
        methodKind: "unary";
        input: typeof RepayRequestSchema;
        output: typeof RepayResponseSchema;
    };
}>;
