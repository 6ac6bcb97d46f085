#[tern::main]
async fn main() -> Result<(), ()> {
    println!("no value");
}
