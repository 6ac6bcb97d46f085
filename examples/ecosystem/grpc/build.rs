//! Generates the tonic client and server for `greet.Greeter` from a service
//! description in Rust (tonic-build's `manual` API), so no `protoc` is needed:
//! the messages are plain Rust structs deriving `prost::Message` (src/lib.rs).

fn main() {
    let method = |name: &str, route: &str, input: &str, output: &str, streaming: bool| {
        let m = tonic_build::manual::Method::builder()
            .name(name)
            .route_name(route)
            .input_type(input)
            .output_type(output)
            .codec_path("tonic_prost::ProstCodec");
        if streaming {
            m.server_streaming().build()
        } else {
            m.build()
        }
    };
    let greeter = tonic_build::manual::Service::builder()
        .name("Greeter")
        .package("greet")
        .method(method("say_hello", "SayHello", "crate::HelloRequest", "crate::HelloReply", false))
        .method(method("countdown", "Countdown", "crate::CountdownRequest", "crate::Tick", true))
        .build();
    tonic_build::manual::Builder::new().compile(&[greeter]);
}
