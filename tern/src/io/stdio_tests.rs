//! The write-behind of the standard streams (`stdio.rs`), on a writer
//! that records what reaches it and can be held shut or made to fail.

use super::{Blocking, MAX_BUF};
use std::future::poll_fn;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Clone, Default)]
struct Recorder {
    out: Arc<Mutex<Vec<u8>>>,
    /// `write` calls that reached the writer.
    writes: Arc<AtomicUsize>,
    /// Writes wait while this is false.
    open: Arc<(Mutex<bool>, Condvar)>,
    fail: Arc<AtomicBool>,
}

impl Recorder {
    fn set_open(&self, open: bool) {
        *self.open.0.lock().unwrap() = open;
        self.open.1.notify_all();
    }
    fn out(&self) -> Vec<u8> {
        self.out.lock().unwrap().clone()
    }
}

impl Write for Recorder {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let mut open = self.open.0.lock().unwrap();
        while !*open {
            open = self.open.1.wait(open).unwrap();
        }
        if self.fail.load(SeqCst) {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.writes.fetch_add(1, SeqCst);
        self.out.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens the writer when dropped, so a failing test's held job ends (the
/// runtime's drop waits for it) and the failure is reported.
struct OpenOnDrop(Recorder);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.set_open(true);
    }
}

#[derive(Default)]
struct Woken(AtomicUsize);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn rt() -> crate::runtime::Runtime {
    crate::runtime::Builder::new_current_thread().build().unwrap()
}

fn write_now(w: &mut Blocking<Recorder>, src: &[u8]) -> Poll<io::Result<usize>> {
    w.poll_write(&mut Context::from_waker(Waker::noop()), src)
}

async fn flush(w: &mut Blocking<Recorder>) -> io::Result<()> {
    poll_fn(|cx| w.poll_flush(cx)).await
}

#[test]
fn writes_made_while_a_job_runs_are_queued_and_written_in_order() {
    let rec = Recorder::default();
    let mut w = Blocking::new(rec.clone(), rec.clone());
    rt().block_on(async {
        let _open = OpenOnDrop(rec.clone());
        let mut expected = Vec::new();
        for i in 0..1000 {
            let line = format!("line {i}\n");
            // Every write returns at once: the first starts the job (held
            // shut), the others queue behind it.
            assert!(matches!(write_now(&mut w, line.as_bytes()), Poll::Ready(Ok(n)) if n == line.len()));
            expected.extend_from_slice(line.as_bytes());
        }
        rec.set_open(true);
        flush(&mut w).await.unwrap();
        assert!(rec.out() == expected, "every byte, in order");
        // The first line, then the queue: two writes, not a thousand.
        assert_eq!(rec.writes.load(SeqCst), 2);
    });
}

#[test]
fn a_full_queue_makes_the_writer_wait_until_the_job_takes_it() {
    let rec = Recorder::default();
    let mut w = Blocking::new(rec.clone(), rec.clone());
    rt().block_on(async {
        let _open = OpenOnDrop(rec.clone());
        assert!(matches!(write_now(&mut w, b"first"), Poll::Ready(Ok(5))));
        let big = vec![7u8; MAX_BUF + 10];
        assert!(matches!(write_now(&mut w, &big), Poll::Ready(Ok(MAX_BUF))), "queued up to MAX_BUF");
        let woken = Arc::new(Woken::default());
        let waker = Waker::from(woken.clone());
        assert!(w.poll_write(&mut Context::from_waker(&waker), b"more").is_pending(), "the queue is full");
        rec.set_open(true);
        while woken.0.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        // Room again (queued behind the job's next round, or a new job).
        let n = poll_fn(|cx| w.poll_write(cx, b"more")).await.unwrap();
        assert_eq!(n, 4);
        flush(&mut w).await.unwrap();
        let out = rec.out();
        assert_eq!(out.len(), 5 + MAX_BUF + 4);
        assert!(out.starts_with(b"first") && out.ends_with(b"more"));
    });
}

#[test]
fn a_failed_write_drops_the_queue_and_is_reported_next() {
    let rec = Recorder::default();
    rec.fail.store(true, SeqCst);
    let mut w = Blocking::new(rec.clone(), rec.clone());
    rt().block_on(async {
        let _open = OpenOnDrop(rec.clone());
        assert!(matches!(write_now(&mut w, b"a"), Poll::Ready(Ok(1))));
        assert!(matches!(write_now(&mut w, b"b"), Poll::Ready(Ok(1))), "queued");
        rec.set_open(true);
        assert_eq!(flush(&mut w).await.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        // The handle still works once the writer does.
        rec.fail.store(false, SeqCst);
        poll_fn(|cx| w.poll_write(cx, b"c")).await.unwrap();
        flush(&mut w).await.unwrap();
        assert_eq!(rec.out(), b"c", "the queued byte went with the failed job");
    });
}

/// A job that panics while a write waits for room in the queue: the
/// write gets the job's failure instead of waiting for ever.
#[test]
fn a_write_waiting_for_room_learns_that_the_job_panicked() {
    struct Panicking(Recorder);
    impl Write for Panicking {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.write(b)?;
            panic!("a writer that panics (expected in this test)");
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let rec = Recorder::default();
    let mut w = Blocking::new(Panicking(rec.clone()), Panicking(rec.clone()));
    let rt = crate::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let _open = OpenOnDrop(rec.clone());
        let woken = Arc::new(Woken::default());
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(w.poll_write(&mut cx, b"first"), Poll::Ready(Ok(5))));
        let big = vec![7u8; MAX_BUF];
        assert!(matches!(w.poll_write(&mut cx, &big), Poll::Ready(Ok(MAX_BUF))));
        assert!(w.poll_write(&mut cx, b"more").is_pending(), "the queue is full");
        rec.set_open(true);
        let res =
            crate::time::timeout(std::time::Duration::from_secs(10), poll_fn(|cx| w.poll_write(cx, b"more")))
                .await
                .expect("the write waited for ever");
        assert!(res.is_err(), "the job's panic is reported");
    });
}
