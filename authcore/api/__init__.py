"""The serving layer of one process: what stands between a gRPC call and the engine.

server (the servicers, health, reflection, create_server), gate (the interceptor every call passes),
identity (who is calling, what they may call), admission (overload control), decoding (bodies that
do not parse), config (the serving configuration), reload (the policy and model files, watched).

It calls authcore.engine and may use the layers below it. It never imports authcore.tools, and no
layer below it (engine, decision, risk, state, journal) imports it. One constant comes from
authcore.cluster: config checks [server] processes against cluster.partitions.MAX_PROCESSES.
See docs/architecture.md.
"""
