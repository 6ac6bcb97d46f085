//! `LocalSet`, `spawn_local` and `LocalRuntime`: `!Send` tasks.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread::{self, ThreadId};
use tern::runtime::{Builder, LocalOptions, LocalRuntime, Runtime};
use tern::task::{self, LocalSet};

mod support;
use support::Signal;

/// Records the thread it is dropped on.
struct DropOn(Rc<Cell<Option<ThreadId>>>);

impl Drop for DropOn {
    fn drop(&mut self) {
        self.0.set(Some(thread::current().id()));
    }
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn rc_futures_and_nested_spawn_local() {
    let rt = current_thread();
    let local = LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    local.block_on(&rt, async move {
        let outer = task::spawn_local(async move {
            l.borrow_mut().push("outer");
            let l2 = l.clone();
            let inner = task::spawn_local(async move {
                l2.borrow_mut().push("inner");
                Rc::new(5)
            });
            *inner.await.unwrap() + 1
        });
        assert_eq!(outer.await.unwrap(), 6);
    });
    assert_eq!(*log.borrow(), ["outer", "inner"]);
}

#[test]
fn local_set_on_multi_thread_runtime() {
    let rt = Runtime::new().unwrap();
    let local = LocalSet::new();
    let here = thread::current().id();
    let ran_on = local.block_on(&rt, async {
        task::spawn_local(async { (thread::current().id(), Rc::new(())) }).await.unwrap().0
    });
    assert_eq!(ran_on, here);
}

#[test]
#[should_panic(
    expected = "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
)]
fn spawn_local_outside_a_local_set_panics() {
    let rt = current_thread();
    rt.block_on(async {
        drop(task::spawn_local(async {}));
    });
}

#[test]
fn awaiting_the_set_waits_for_every_task() {
    let rt = current_thread();
    let local = LocalSet::new();
    let count = Rc::new(Cell::new(0));
    for i in 0..100 {
        let count = count.clone();
        local.spawn_local(async move {
            for _ in 0..i % 5 {
                task::yield_now().await;
            }
            count.set(count.get() + 1);
        });
    }
    rt.block_on(local);
    assert_eq!(count.get(), 100);
}

#[test]
fn run_until_leaves_unfinished_tasks_for_the_next_run() {
    let rt = current_thread();
    let local = LocalSet::new();
    let gate = Signal::default();
    let g = gate.clone();
    let handle = local.spawn_local(async move {
        g.await;
        "done"
    });
    local.block_on(&rt, task::yield_now());
    assert!(!handle.is_finished());
    gate.set();
    assert_eq!(local.block_on(&rt, handle).unwrap(), "done");
}

#[test]
fn enter_lets_spawn_local_queue_onto_the_set() {
    let rt = current_thread();
    let local = LocalSet::new();
    let handle = {
        let _guard = local.enter();
        task::spawn_local(async { Rc::new(3) })
    };
    assert_eq!(*local.block_on(&rt, handle).unwrap(), 3);
}

#[test]
fn a_wake_from_another_thread_runs_the_task_on_the_owner() {
    let rt = Runtime::new().unwrap();
    let local = LocalSet::new();
    let gate = Signal::default();
    let g = gate.clone();
    let owner = thread::current().id();
    let ran_on = local.block_on(&rt, async move {
        let handle = task::spawn_local(async move {
            g.await;
            thread::current().id()
        });
        let opener = thread::spawn(move || gate.set());
        let ran_on = handle.await.unwrap();
        opener.join().unwrap();
        ran_on
    });
    assert_eq!(ran_on, owner);
}

#[test]
fn dropping_the_set_cancels_tasks_on_the_owner_thread() {
    let rt = current_thread();
    let local = LocalSet::new();
    let dropped_on = Rc::new(Cell::new(None));
    let guard = DropOn(dropped_on.clone());
    let handle = local.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    local.block_on(&rt, task::yield_now());
    assert!(dropped_on.get().is_none());
    drop(local);
    assert_eq!(dropped_on.get(), Some(thread::current().id()));
    let err = rt.block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn abort_from_another_thread_drops_the_future_on_the_owner() {
    let rt = Runtime::new().unwrap();
    let local = LocalSet::new();
    let dropped_on = Rc::new(Cell::new(None));
    let guard = DropOn(dropped_on.clone());
    local.block_on(&rt, async move {
        let handle = task::spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        task::yield_now().await;
        let abort = handle.abort_handle();
        thread::spawn(move || abort.abort()).join().unwrap();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(dropped_on.get(), Some(thread::current().id()));
}

#[test]
fn spawn_local_on_a_dropped_sets_context_is_cancelled() {
    // A task that spawns while the set is being dropped: the spawn is
    // cancelled at once rather than leaked.
    struct SpawnOnDrop(Rc<Cell<bool>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let flag = self.0.clone();
            let handle = task::spawn_local(async move { flag.set(true) });
            assert!(handle.is_finished());
        }
    }
    let rt = current_thread();
    let local = LocalSet::new();
    let ran = Rc::new(Cell::new(false));
    let s = SpawnOnDrop(ran.clone());
    local.spawn_local(async move {
        let _s = s;
        std::future::pending::<()>().await;
    });
    local.block_on(&rt, task::yield_now());
    drop(local);
    assert!(!ran.get());
}

#[test]
fn local_runtime_runs_spawn_local_on_its_scheduler() {
    let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default()).unwrap();
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    rt.block_on(async move {
        let mut handles = Vec::new();
        for _ in 0..1000 {
            let c = c.clone();
            handles.push(task::spawn_local(async move {
                task::yield_now().await;
                let c2 = c.clone();
                task::spawn_local(async move { c2.set(c2.get() + 1) }).await.unwrap();
                c.set(c.get() + 1);
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        // Send tasks still work.
        assert_eq!(tern::spawn(async { 2 }).await.unwrap(), 2);
    });
    assert_eq!(count.get(), 2000);
}

#[test]
fn local_runtime_spawn_local_before_block_on() {
    let rt = LocalRuntime::new().unwrap();
    let data = Rc::new(9);
    let handle = rt.spawn_local(async move { *data });
    assert_eq!(rt.block_on(handle).unwrap(), 9);
}

#[test]
fn local_runtime_drop_cancels_local_tasks_on_its_thread() {
    let rt = LocalRuntime::new().unwrap();
    let dropped_on = Rc::new(Cell::new(None));
    let guard = DropOn(dropped_on.clone());
    rt.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    rt.block_on(task::yield_now());
    drop(rt);
    assert_eq!(dropped_on.get(), Some(thread::current().id()));
}

#[test]
fn local_runtime_handle_spawns_send_tasks_from_another_thread() {
    let rt = LocalRuntime::new().unwrap();
    let handle = rt.handle().clone();
    // Spawning `Send` tasks from elsewhere works; only the owner thread
    // drives the scheduler.
    let join = thread::spawn(move || {
        let _enter = handle.enter();
        tern::spawn(async { 5 })
    })
    .join()
    .unwrap();
    assert_eq!(rt.block_on(join).unwrap(), 5);
}

#[test]
fn spawn_local_from_another_thread_of_a_local_runtime_panics() {
    let rt = LocalRuntime::new().unwrap();
    let handle = rt.handle().clone();
    let result = thread::spawn(move || {
        let _enter = handle.enter();
        drop(task::spawn_local(async {}));
    })
    .join();
    let msg = *result.unwrap_err().downcast::<&str>().unwrap();
    assert!(msg.contains("from the thread the runtime was created on"), "{msg}");
}

#[test]
#[should_panic(expected = "multi_thread is not supported for LocalRuntime")]
fn build_local_on_a_multi_thread_builder_panics() {
    let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
}

#[tern::test(flavor = "current_thread")]
async fn local_set_inside_a_test() {
    let local = LocalSet::new();
    let v = local.run_until(async { task::spawn_local(async { Rc::new(1) }).await.unwrap() }).await;
    assert_eq!(*v, 1);
}

#[test]
fn join_set_spawn_local_and_spawn_local_on() {
    let rt = current_thread();
    let local = LocalSet::new();
    let mut set = tern::task::JoinSet::new();
    // Queued on the set; runs once it is polled.
    set.spawn_local_on(async { Rc::new(1) }, &local);
    local.block_on(&rt, async {
        set.spawn_local(async { Rc::new(2) });
        let mut sum = 0;
        while let Some(v) = set.join_next().await {
            sum += *v.unwrap();
        }
        assert_eq!(sum, 3);
    });
}

#[test]
fn builder_spawn_local_keeps_the_name_path() {
    let rt = LocalRuntime::new().unwrap();
    let rc = Rc::new(5);
    let v = rt.block_on(async move {
        tern::task::Builder::new().name("local").spawn_local(async move { *rc }).unwrap().await.unwrap()
    });
    assert_eq!(v, 5);
    let local = LocalSet::new();
    let h = tern::task::Builder::new().spawn_local_on(async { Rc::new(6) }, &local).unwrap();
    assert_eq!(*local.block_on(&current_thread(), h).unwrap(), 6);
}
