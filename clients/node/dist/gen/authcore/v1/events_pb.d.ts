import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { JournalRecord } from "./journal_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/events.proto.
 */
export declare const file_authcore_v1_events: GenFile;
/**
 * @generated from message authcore.v1.WatchEventsRequest
 */
export type WatchEventsRequest = Message<"authcore.v1.WatchEventsRequest"> & {
    /**
     * The partition whose journal is read: 0 for a single-process server, 0 to partitions - 1 for
     * `--processes N` and a cluster (ClusterService.GetPartitionMap lists them).
     *
     * @generated from field: uint32 partition = 1;
     */
    partition: number;
    /**
     * The first seq wanted; 0: from the first record the partition keeps.
     *
     * @generated from field: uint64 from_seq = 2;
     */
    fromSeq: bigint;
};
/**
 * Describes the message authcore.v1.WatchEventsRequest.
 * Use `create(WatchEventsRequestSchema)` to create a new message.
 */
export declare const WatchEventsRequestSchema: GenMessage<WatchEventsRequest>;
/**
 * @generated from message authcore.v1.WatchEventsResponse
 */
export type WatchEventsResponse = Message<"authcore.v1.WatchEventsResponse"> & {
    /**
     * The partition the records are from.
     *
     * @generated from field: uint32 partition = 1;
     */
    partition: number;
    /**
     * The next records, in seq order, each as the journal holds it (its effect, its answer, its
     * digest) but for `audit`, which is left empty: the decision records stay with `authcore audit`.
     *
     * @generated from field: repeated authcore.v1.JournalRecord records = 2;
     */
    records: JournalRecord[];
    /**
     * How many partitions the server has: a consumer watches each of them.
     *
     * @generated from field: uint32 partitions = 3;
     */
    partitions: number;
};
/**
 * Describes the message authcore.v1.WatchEventsResponse.
 * Use `create(WatchEventsResponseSchema)` to create a new message.
 */
export declare const WatchEventsResponseSchema: GenMessage<WatchEventsResponse>;
/**
 * @generated from message authcore.v1.GetPartitionMapRequest
 */
export type GetPartitionMapRequest = Message<"authcore.v1.GetPartitionMapRequest"> & {};
/**
 * Describes the message authcore.v1.GetPartitionMapRequest.
 * Use `create(GetPartitionMapRequestSchema)` to create a new message.
 */
export declare const GetPartitionMapRequestSchema: GenMessage<GetPartitionMapRequest>;
/**
 * @generated from message authcore.v1.GetPartitionMapResponse
 */
export type GetPartitionMapResponse = Message<"authcore.v1.GetPartitionMapResponse"> & {
    /**
     * One per partition, in partition order (partition i at index i).
     *
     * @generated from field: repeated authcore.v1.PartitionOwner partitions = 1;
     */
    partitions: PartitionOwner[];
};
/**
 * Describes the message authcore.v1.GetPartitionMapResponse.
 * Use `create(GetPartitionMapResponseSchema)` to create a new message.
 */
export declare const GetPartitionMapResponseSchema: GenMessage<GetPartitionMapResponse>;
/**
 * @generated from message authcore.v1.PartitionOwner
 */
export type PartitionOwner = Message<"authcore.v1.PartitionOwner"> & {
    /**
     * The partition: 0 to partitions - 1.
     *
     * @generated from field: uint32 partition = 1;
     */
    partition: number;
    /**
     * The node that owns it: the `--node` name of a cluster node; empty for a server that is not
     * part of a cluster (it owns every partition itself).
     *
     * @generated from field: string node = 2;
     */
    node: string;
    /**
     * The public address ("host:port") of the server that owns it; empty while a cluster's
     * partition has no owner (a takeover is under way).
     *
     * @generated from field: string address = 3;
     */
    address: string;
};
/**
 * Describes the message authcore.v1.PartitionOwner.
 * Use `create(PartitionOwnerSchema)` to create a new message.
 */
export declare const PartitionOwnerSchema: GenMessage<PartitionOwner>;
/**
 * The journal as a stream of events for other services (billing, collections, risk analytics):
 * every change the server made, in the order it made it, read from the journal of the partition
 * that made it.
 *
 * @generated from service authcore.v1.EventService
 */
export declare const EventService: GenService<{
    /**
     * The records of one partition's journal from `from_seq` on, then each new one as it is
     * written, until the caller cancels or its deadline passes. Records arrive in seq order, every
     * seq once; a caller that resumes with `from_seq` set to the last seq it saw + 1 misses none and
     * sees none twice. Each response holds at most 256 records (and about 1 MB). Admin only, as
     * AdminService. INVALID_ARGUMENT for a partition this server does not have (a field violation
     * on `partition`); OUT_OF_RANGE when `from_seq` is older than the partition still keeps (its
     * journal files before its latest snapshot are dropped; a cluster reads them back from the
     * partition's replicated log instead); RESOURCE_EXHAUSTED when the process serving the
     * partition already serves as many watchers as it may (a quarter of its `workers` threads,
     * docs/operations.md): retry later. A `from_seq` past the last record waits for it.
     *
     * @generated from rpc authcore.v1.EventService.WatchEvents
     */
    watchEvents: {
        methodKind: "server_streaming";
        input: typeof WatchEventsRequestSchema;
        output: typeof WatchEventsResponseSchema;
    };
}>;
/**
 * Where the partitions of the accounts are served.
 *
 * @generated from service authcore.v1.ClusterService
 */
export declare const ClusterService: GenService<{
    /**
     * Every partition with the node that owns it and the public address that serves it. Any
     * public address answers every call (it forwards to the owner); a client may send a
     * partition's calls to its owner's address directly and save the forwarding hop.
     *
     * @generated from rpc authcore.v1.ClusterService.GetPartitionMap
     */
    getPartitionMap: {
        methodKind: "unary";
        input: typeof GetPartitionMapRequestSchema;
        output: typeof GetPartitionMapResponseSchema;
    };
}>;
