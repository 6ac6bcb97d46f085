//! Options that build and run: a multi-threaded main with a set number of
//! workers, paused time on a current-thread runtime, a runtime crate named
//! through `crate = "..."`, and a `Result` returned through the body.

extern crate tern as rt;

use std::time::Duration;

#[tern::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    assert_eq!(tern::spawn(async { 1 }).await.unwrap(), 1);
    assert_eq!(
        tern::runtime::Handle::current().runtime_flavor(),
        tern::runtime::RuntimeFlavor::MultiThread
    );
    std::thread::spawn(|| {
        paused_clock();
        assert_eq!(renamed_crate(), Ok(3));
    })
    .join()
    .unwrap();
}

#[tern::main(flavor = "current_thread", start_paused = true)]
async fn paused_clock() {
    let start = tern::time::Instant::now();
    tern::time::sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
}

#[rt::main(crate = "rt", flavor = "current_thread")]
async fn renamed_crate() -> Result<u32, String> {
    let n = rt::spawn(async { 3 }).await.map_err(|e| e.to_string())?;
    Ok(n)
}
