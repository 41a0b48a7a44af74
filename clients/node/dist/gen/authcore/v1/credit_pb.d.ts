import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Tier } from "./common_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/credit.proto.
 */
export declare const file_authcore_v1_credit: GenFile;
/**
 * One attribute of an applicant; an attribute that is absent (or has no value) is missing.
 *
 * @generated from message authcore.v1.ApplicantAttribute
 */
export type ApplicantAttribute = Message<"authcore.v1.ApplicantAttribute"> & {
    /**
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * @generated from oneof authcore.v1.ApplicantAttribute.value
     */
    value: {
        /**
         * @generated from field: double number = 2;
         */
        value: number;
        case: "number";
    } | {
        /**
         * @generated from field: string category = 3;
         */
        value: string;
        case: "category";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message authcore.v1.ApplicantAttribute.
 * Use `create(ApplicantAttributeSchema)` to create a new message.
 */
export declare const ApplicantAttributeSchema: GenMessage<ApplicantAttribute>;
/**
 * @generated from message authcore.v1.AssessCreditRequest
 */
export type AssessCreditRequest = Message<"authcore.v1.AssessCreditRequest"> & {
    /**
     * @generated from field: string applicant_id = 1;
     */
    applicantId: string;
    /**
     * At most 200 attributes.
     *
     * @generated from field: repeated authcore.v1.ApplicantAttribute attributes = 2;
     */
    attributes: ApplicantAttribute[];
};
/**
 * Describes the message authcore.v1.AssessCreditRequest.
 * Use `create(AssessCreditRequestSchema)` to create a new message.
 */
export declare const AssessCreditRequestSchema: GenMessage<AssessCreditRequest>;
/**
 * @generated from message authcore.v1.AssessCreditResponse
 */
export type AssessCreditResponse = Message<"authcore.v1.AssessCreditResponse"> & {
    /**
     * @generated from field: string applicant_id = 1;
     */
    applicantId: string;
    /**
     * @generated from field: double score = 2;
     */
    score: number;
    /**
     * False when the score is below every band: no credit line is offered.
     *
     * @generated from field: bool approved = 3;
     */
    approved: boolean;
    /**
     * @generated from field: authcore.v1.Tier tier = 4;
     */
    tier: Tier;
    /**
     * @generated from field: int64 recommended_credit_limit_minor = 5;
     */
    recommendedCreditLimitMinor: bigint;
    /**
     * The variables that cost the most points against their best bin, most first (at most 3).
     *
     * @generated from field: repeated authcore.v1.ScoreFactor factors = 6;
     */
    factors: ScoreFactor[];
    /**
     * @generated from field: string scorecard_version = 7;
     */
    scorecardVersion: string;
};
/**
 * Describes the message authcore.v1.AssessCreditResponse.
 * Use `create(AssessCreditResponseSchema)` to create a new message.
 */
export declare const AssessCreditResponseSchema: GenMessage<AssessCreditResponse>;
/**
 * @generated from message authcore.v1.ScoreFactor
 */
export type ScoreFactor = Message<"authcore.v1.ScoreFactor"> & {
    /**
     * @generated from field: string variable = 1;
     */
    variable: string;
    /**
     * The bin the applicant fell in, as labelled in the scorecard.
     *
     * @generated from field: string bin = 2;
     */
    bin: string;
    /**
     * @generated from field: double points = 3;
     */
    points: number;
    /**
     * Points short of the variable's best bin.
     *
     * @generated from field: double points_lost = 4;
     */
    pointsLost: number;
};
/**
 * Describes the message authcore.v1.ScoreFactor.
 * Use `create(ScoreFactorSchema)` to create a new message.
 */
export declare const ScoreFactorSchema: GenMessage<ScoreFactor>;
/**
 * A points scorecard: score = base_points + the points of each variable's matching bin.
 *
 * @generated from message authcore.v1.Scorecard
 */
export type Scorecard = Message<"authcore.v1.Scorecard"> & {
    /**
     * @generated from field: string version = 1;
     */
    version: string;
    /**
     * @generated from field: double base_points = 2;
     */
    basePoints: number;
    /**
     * @generated from field: repeated authcore.v1.ScorecardVariable variables = 3;
     */
    variables: ScorecardVariable[];
    /**
     * Score bands, highest min_score first: the first band the score reaches gives tier and limit.
     *
     * @generated from field: repeated authcore.v1.CreditBand bands = 4;
     */
    bands: CreditBand[];
};
/**
 * Describes the message authcore.v1.Scorecard.
 * Use `create(ScorecardSchema)` to create a new message.
 */
export declare const ScorecardSchema: GenMessage<Scorecard>;
/**
 * @generated from message authcore.v1.ScorecardVariable
 */
export type ScorecardVariable = Message<"authcore.v1.ScorecardVariable"> & {
    /**
     * @generated from field: string name = 1;
     */
    name: string;
    /**
     * @generated from field: repeated authcore.v1.ScorecardBin bins = 2;
     */
    bins: ScorecardBin[];
};
/**
 * Describes the message authcore.v1.ScorecardVariable.
 * Use `create(ScorecardVariableSchema)` to create a new message.
 */
export declare const ScorecardVariableSchema: GenMessage<ScorecardVariable>;
/**
 * A bin matches a number in any of its ranges, a category in its list, or a missing value if
 * `missing` is set. A missing value with no missing bin takes the variable's lowest points.
 *
 * @generated from message authcore.v1.ScorecardBin
 */
export type ScorecardBin = Message<"authcore.v1.ScorecardBin"> & {
    /**
     * @generated from field: string label = 1;
     */
    label: string;
    /**
     * @generated from field: repeated authcore.v1.NumericRange ranges = 2;
     */
    ranges: NumericRange[];
    /**
     * @generated from field: repeated string categories = 3;
     */
    categories: string[];
    /**
     * @generated from field: bool missing = 4;
     */
    missing: boolean;
    /**
     * @generated from field: double points = 5;
     */
    points: number;
};
/**
 * Describes the message authcore.v1.ScorecardBin.
 * Use `create(ScorecardBinSchema)` to create a new message.
 */
export declare const ScorecardBinSchema: GenMessage<ScorecardBin>;
/**
 * lower <= x < upper; the bounds may be -Infinity and Infinity.
 *
 * @generated from message authcore.v1.NumericRange
 */
export type NumericRange = Message<"authcore.v1.NumericRange"> & {
    /**
     * @generated from field: double lower = 1;
     */
    lower: number;
    /**
     * @generated from field: double upper = 2;
     */
    upper: number;
};
/**
 * Describes the message authcore.v1.NumericRange.
 * Use `create(NumericRangeSchema)` to create a new message.
 */
export declare const NumericRangeSchema: GenMessage<NumericRange>;
/**
 * @generated from message authcore.v1.CreditBand
 */
export type CreditBand = Message<"authcore.v1.CreditBand"> & {
    /**
     * @generated from field: double min_score = 1;
     */
    minScore: number;
    /**
     * @generated from field: authcore.v1.Tier tier = 2;
     */
    tier: Tier;
    /**
     * @generated from field: int64 credit_limit_minor = 3;
     */
    creditLimitMinor: bigint;
};
/**
 * Describes the message authcore.v1.CreditBand.
 * Use `create(CreditBandSchema)` to create a new message.
 */
export declare const CreditBandSchema: GenMessage<CreditBand>;
/**
 * Credit assessment: how much credit an applicant gets, and why.
 *
 * @generated from service authcore.v1.CreditService
 */
export declare const CreditService: GenService<{
    /**
     * Scores an applicant with the active scorecard: score, tier, recommended limit, and the
     * factors that cost the most points.
     *
     * @generated from rpc authcore.v1.CreditService.AssessCredit
     */
    assessCredit: {
        methodKind: "unary";
        input: typeof AssessCreditRequestSchema;
        output: typeof AssessCreditResponseSchema;
    };
}>;
