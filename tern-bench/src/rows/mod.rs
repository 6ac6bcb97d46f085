//! The table's rows, one file per group or family of groups. The order
//! here is the table's.

mod memory_io;
mod runtime;
mod sync;
mod time_net;

use crate::scenarios::{on_tern, on_tokio};
use crate::{slice, smol_mt, time_slice, Sample, Scenario};

/// Every scenario, in the table's order.
pub(crate) fn all() -> Vec<Scenario> {
    let mut v = runtime::rows();
    v.extend(time_net::rows());
    v.extend(runtime::cpu_rows());
    v.extend(sync::rows());
    v.extend(memory_io::rows());
    v.extend(crate::blocking_fs::scenarios());
    v
}

fn busy1_tern() -> tern::runtime::Runtime {
    let rt = on_tern::multi_thread();
    on_tern::make_busy_yielding(&rt);
    rt
}
fn busy1_tokio() -> tokio::runtime::Runtime {
    let rt = on_tokio::multi_thread();
    on_tokio::make_busy_yielding(&rt);
    rt
}
fn busy_yield_tern() -> tern::runtime::Runtime {
    let rt = on_tern::multi_thread();
    on_tern::make_busy_yield_plain(&rt, 2);
    rt
}
fn busy_yield_tokio() -> tokio::runtime::Runtime {
    let rt = on_tokio::multi_thread();
    on_tokio::make_busy_yield_plain(&rt, 2);
    rt
}
fn busy2_tern() -> tern::runtime::Runtime {
    let rt = on_tern::multi_thread();
    on_tern::make_busy_spawning(&rt);
    rt
}
fn busy2_tokio() -> tokio::runtime::Runtime {
    let rt = on_tokio::multi_thread();
    on_tokio::make_busy_spawning(&rt);
    rt
}
fn on_smol_mt(iter: fn(&smol_mt::Pool)) -> Option<Sample> {
    Some(Box::new(move || {
        let p = smol_mt::pool();
        time_slice(slice(), || iter(&p))
    }))
}
