import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file authcore/v1/diagnostics.proto.
 */
export declare const file_authcore_v1_diagnostics: GenFile;
/**
 * @generated from message authcore.v1.EchoRequest
 */
export type EchoRequest = Message<"authcore.v1.EchoRequest"> & {
    /**
     * At most 1 MiB (as large as the largest AuthorizeBulk chunk), sent to make the request as
     * large as a real one.
     *
     * @generated from field: bytes payload = 1;
     */
    payload: Uint8Array;
    /**
     * At most 1 MiB.
     *
     * @generated from field: int32 response_bytes = 2;
     */
    responseBytes: number;
};
/**
 * Describes the message authcore.v1.EchoRequest.
 * Use `create(EchoRequestSchema)` to create a new message.
 */
export declare const EchoRequestSchema: GenMessage<EchoRequest>;
/**
 * @generated from message authcore.v1.EchoResponse
 */
export type EchoResponse = Message<"authcore.v1.EchoResponse"> & {
    /**
     * @generated from field: bytes payload = 1;
     */
    payload: Uint8Array;
};
/**
 * Describes the message authcore.v1.EchoResponse.
 * Use `create(EchoResponseSchema)` to create a new message.
 */
export declare const EchoResponseSchema: GenMessage<EchoResponse>;
/**
 * Measuring the transport: a method that does nothing on the same server stack.
 *
 * @generated from service authcore.v1.DiagnosticsService
 */
export declare const DiagnosticsService: GenService<{
    /**
     * Returns `response_bytes` bytes of payload and nothing else: the transport floor that
     * `authcore bench` compares every other figure with.
     *
     * @generated from rpc authcore.v1.DiagnosticsService.Echo
     */
    echo: {
        methodKind: "unary";
        input: typeof EchoRequestSchema;
        output: typeof EchoResponseSchema;
    };
}>;
