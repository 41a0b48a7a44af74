"""Generated protobuf and gRPC stubs of the authcore.v1 contract."""
