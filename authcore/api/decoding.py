"""Request bodies that are not valid protobuf: answered INVALID_ARGUMENT like any bad input.

grpc decodes a request before any handler runs and ends the call with INTERNAL ("Exception
deserializing request!") when the bytes do not parse. A caller's malformed bytes are the
caller's error, not the server's, so authcore's servicers are registered with a decoder that
returns an Undecodable in place of the message; the handler refuses it through the one error
mapping (errors.MalformedRequest), with a google.rpc.BadRequest like every other refusal.

The same registration lets a handler answer with the response's bytes (encoder): Authorize's
compiled path writes them, and grpc sends them without serializing a message again."""

from __future__ import annotations

import grpc
from google.protobuf.message import DecodeError

from authcore.errors import MalformedRequest


class Undecodable:
    """What a handler receives in place of a request whose bytes do not parse as its message."""

    __slots__ = ("message_name", "cause")

    def __init__(self, message_name: str, cause: str):
        self.message_name = message_name
        self.cause = cause

    def error(self) -> MalformedRequest:
        return MalformedRequest(self.message_name, self.cause)


def decoder(parse):
    """parse (a message class's FromString) returning an Undecodable instead of raising."""
    name = parse.__self__.DESCRIPTOR.full_name

    def decode(data: bytes):
        try:
            return parse(data)
        except DecodeError as exc:
            return Undecodable(name, str(exc))

    return decode


def decoded(request):
    """The request, or its MalformedRequest raised when it did not parse."""
    if type(request) is Undecodable:
        raise request.error()
    return request


def encoder(serialize):
    """serialize (a message class's SerializeToString) passing an answer given as its bytes
    (Authorize's, written by the compiled path) through as they are."""

    def encode(message) -> bytes:
        return message if type(message) is bytes else serialize(message)

    return encode


def _decoding(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    if handler is None or handler.request_deserializer is None:
        return handler
    return handler._replace(request_deserializer=decoder(handler.request_deserializer),
                            response_serializer=encoder(handler.response_serializer)
                            if handler.response_serializer is not None else None)


class _DecodingGeneric(grpc.GenericRpcHandler):
    def __init__(self, inner: grpc.GenericRpcHandler):
        self.inner = inner

    def service(self, handler_call_details):
        return _decoding(self.inner.service(handler_call_details))


class DecodingRegistrar:
    """Stands in for a server (or anything with its add_generic_rpc_handlers and
    add_registered_method_handlers) while servicers register: every method handler registered
    through it decodes its requests with decoder(). Its handlers must accept an Undecodable
    (decoded() turns it into the refusal)."""

    def __init__(self, server):
        self.server = server

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        self.server.add_registered_method_handlers(service, {name: _decoding(h) for name, h in handlers.items()})

    def add_generic_rpc_handlers(self, generic_handlers) -> None:
        self.server.add_generic_rpc_handlers(tuple(_DecodingGeneric(h) for h in generic_handlers))
