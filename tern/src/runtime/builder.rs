//! `Builder`: runtime configuration.

use crate::runtime::blocking::{BlockingSpawner, PoolConfig};

use crate::runtime::rng::{RngSeed, RngSeedGenerator};
use crate::runtime::scheduler::{self, current_thread, multi_thread};
use crate::runtime::{Callback, Handle, Runtime, RuntimeFlavor, ThreadNameFn};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Builds a runtime with custom configuration values.
///
/// Methods can be chained to set the configuration values; then
/// [`build`](Builder::build) creates the [`Runtime`].
///
/// # Examples
///
/// ```
/// use tern::runtime::Builder;
///
/// let runtime = Builder::new_current_thread()
///     .enable_all()
///     .thread_name("my-custom-name")
///     .build()
///     .unwrap();
/// assert_eq!(runtime.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    kind: Kind,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_name: ThreadNameFn,
    thread_stack_size: Option<usize>,
    after_start: Option<Callback>,
    before_stop: Option<Callback>,
    before_park: Option<Callback>,
    after_unpark: Option<Callback>,
    keep_alive: Option<Duration>,
    global_queue_interval: Option<u32>,
    event_interval: u32,
    disable_lifo_slot: bool,
    /// The most I/O events one driver turn takes.
    max_io_events: usize,
    /// The most I/O events one turn that does not wait takes (`None`: as
    /// `max_io_events`).
    max_io_events_busy: Option<usize>,
    /// Where the runtime's random seeds come from (`select!`'s branch order).
    seed_generator: RngSeedGenerator,
    /// The runtime's name (`Handle::name`).
    name: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    CurrentThread,
    MultiThread,
}

impl Builder {
    /// Returns a new builder with the current thread scheduler selected.
    ///
    /// Configuration methods can be chained on the return value. To spawn
    /// non-`Send` tasks on the resulting runtime, combine it with a
    /// `LocalSet`.
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread, 31)
    }

    /// Returns a new builder with the multi thread scheduler selected:
    /// a pool of work-stealing worker threads (one per core by default).
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread, 61)
    }

    fn new(kind: Kind, event_interval: u32) -> Builder {
        Builder {
            kind,
            enable_io: false,
            enable_time: false,
            start_paused: false,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: Arc::new(|| "tern-runtime-worker".into()),
            thread_stack_size: None,
            after_start: None,
            before_stop: None,
            before_park: None,
            after_unpark: None,
            keep_alive: None,
            global_queue_interval: None,
            event_interval,
            disable_lifo_slot: false,
            max_io_events: 1024,
            max_io_events_busy: None,
            seed_generator: RngSeedGenerator::new(RngSeed::from_entropy()),
            name: None,
        }
    }

    /// Enables both I/O and time drivers.
    pub fn enable_all(&mut self) -> &mut Self {
        self.enable_io();
        self.enable_time();
        self
    }

    /// Enables the I/O driver (`tern::net`, `AsyncFd`).
    pub fn enable_io(&mut self) -> &mut Self {
        self.enable_io = true;
        self
    }

    /// Enables the time driver (`tern::time`).
    pub fn enable_time(&mut self) -> &mut Self {
        self.enable_time = true;
        self
    }

    /// Controls if the runtime's clock starts paused or advancing (for
    /// tests; see [`time::pause`](crate::time::pause)). Needs the time
    /// driver and the current-thread scheduler.
    ///
    /// # Panics
    ///
    /// [`build`](Self::build) panics, as Tokio's does, if the clock starts
    /// paused on a multi-thread runtime.
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// Sets the number of worker threads the runtime will use.
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Worker threads cannot be set to 0");
        self.worker_threads = Some(val);
        self
    }

    /// Specifies the limit for additional threads spawned by the runtime
    /// for blocking work.
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Max blocking threads cannot be set to 0");
        self.max_blocking_threads = val;
        self
    }

    /// Sets the name of threads spawned by the runtime.
    ///
    /// The default name is "tern-runtime-worker".
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        self.thread_name = Arc::new(move || val.clone());
        self
    }

    /// Sets the name of the runtime (returned by
    /// [`Handle::name`](crate::runtime::Handle::name)).
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime;
    ///
    /// let rt = runtime::Builder::new_multi_thread()
    ///     .name("my-runtime")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().name(), Some("my-runtime"));
    /// ```
    ///
    /// # Panics
    ///
    /// This function will panic if an empty value is passed as an argument.
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        assert!(!val.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(val);
        self
    }

    /// Sets a function used to generate the name of threads spawned by the
    /// runtime.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// Sets the stack size (in bytes) for threads spawned by the runtime.
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Self {
        self.thread_stack_size = Some(val);
        self
    }

    /// Executes function `f` after each thread is started but before it
    /// starts doing work.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_start = Some(Arc::new(f));
        self
    }

    /// Executes function `f` before each thread stops.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_stop = Some(Arc::new(f));
        self
    }

    /// Executes function `f` just before a thread is parked (goes idle).
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_park = Some(Arc::new(f));
        self
    }

    /// Executes function `f` just after a thread unparks (starts executing
    /// tasks).
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_unpark = Some(Arc::new(f));
        self
    }

    /// Sets a custom timeout for a thread in the blocking pool.
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = Some(duration);
        self
    }

    /// Sets the number of scheduler ticks after which the scheduler will
    /// poll the global (injection) queue.
    ///
    /// A scheduler "tick" roughly corresponds to one `poll` invocation on a
    /// task. The default is 31 for the current-thread scheduler.
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(val);
        self
    }

    /// Sets the number of scheduler ticks after which the scheduler will
    /// poll for external events (timers, I/O, and so on) and check the
    /// `block_on` future.
    ///
    /// The default is 61.
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0 (the scheduler would never run a task).
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "event_interval must be greater than 0");
        self.event_interval = val;
        self
    }

    /// Sets the max number of I/O events processed per tick (one poll of the
    /// I/O driver). The default is 1024; events beyond it wait in the
    /// kernel for the next tick.
    ///
    /// To take a smaller batch on polls that do not wait, see
    /// [`max_io_events_per_busy_tick`](Builder::max_io_events_per_busy_tick).
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime;
    ///
    /// let rt = runtime::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(1024)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.max_io_events = capacity;
        self
    }

    /// Sets the max number of I/O events processed when the scheduler polls
    /// the I/O driver while it still has tasks to run.
    ///
    /// A busy scheduler polls the driver every
    /// [`event_interval`](Builder::event_interval) tasks, and every task
    /// such a poll wakes joins the run queue. A large batch makes that queue
    /// overflow, and under sustained overload the backlog grows; a small
    /// busy batch leaves the rest in the kernel. A scheduler that is idle
    /// still takes up to
    /// [`max_io_events_per_tick`](Builder::max_io_events_per_tick) events.
    ///
    /// Any poll that does not wait counts as busy, including a park whose
    /// timer has already expired (the task of that timer runs next).
    ///
    /// The default is the value of `max_io_events_per_tick`.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime;
    ///
    /// let rt = runtime::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.max_io_events_busy = Some(capacity);
        self
    }

    /// Disables the LIFO task scheduler heuristic (multi-thread scheduler):
    /// a task woken by the running task then goes to the back of the
    /// worker's queue instead of running next.
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.disable_lifo_slot = true;
        self
    }

    /// Specifies the random number generation seed to use within all
    /// threads associated with the runtime being built.
    ///
    /// This option is intended to make certain parts of the runtime
    /// deterministic: with the same seed, `select!` picks
    /// the same sequence of first branches on the thread driving `block_on`
    /// and in the tasks it runs (on the current-thread scheduler, whose
    /// task order is itself deterministic; on the multi-thread scheduler
    /// each worker thread's sequence is fixed, but which worker runs a task
    /// is not).
    ///
    /// Unlike Tokio, where this method needs `tokio_unstable`, it is stable
    /// in tern.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::{self, RngSeed};
    ///
    /// let seed = RngSeed::from_bytes(b"place your seed here");
    /// let rt = runtime::Builder::new_current_thread()
    ///     .rng_seed(seed)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn rng_seed(&mut self, seed: RngSeed) -> &mut Self {
        self.seed_generator = RngSeedGenerator::new(seed);
        self
    }

    /// Creates the configured `Runtime`.
    ///
    /// The returned `Runtime` instance is ready to spawn tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::Builder;
    ///
    /// let rt = Builder::new_multi_thread().build().unwrap();
    /// rt.block_on(async {
    ///     println!("Hello from the tern runtime");
    /// });
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.build_runtime(None)
    }

    /// Creates the configured [`LocalRuntime`](crate::runtime::LocalRuntime):
    /// a current-thread runtime that can also run `!Send` tasks
    /// ([`task::spawn_local`](crate::task::spawn_local)) directly on its
    /// scheduler, with no [`LocalSet`](crate::task::LocalSet) in between.
    /// Stable in tern (Tokio keeps `LocalRuntime` unstable).
    ///
    /// The returned runtime is `!Send`: it runs on the thread that built it.
    ///
    /// # Panics
    ///
    /// Panics on a multi-thread builder: "multi_thread is not supported for
    /// LocalRuntime" (use `Builder::new_current_thread()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::{Builder, LocalOptions};
    ///
    /// let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default()).unwrap();
    /// let data = std::rc::Rc::new(21);
    /// let n = rt.block_on(async move {
    ///     tern::task::spawn_local(async move { *data * 2 }).await.unwrap()
    /// });
    /// assert_eq!(n, 42);
    /// ```
    pub fn build_local(
        &mut self,
        options: crate::runtime::LocalOptions,
    ) -> io::Result<crate::runtime::LocalRuntime> {
        let _ = options;
        if self.kind == Kind::MultiThread {
            panic!(
                "multi_thread is not supported for LocalRuntime: build it from \
                 `Builder::new_current_thread()`"
            );
        }
        let rt = self.build_runtime(Some(std::thread::current().id()))?;
        Ok(crate::runtime::LocalRuntime::from_runtime(rt))
    }

    fn build_runtime(&mut self, local_owner: Option<std::thread::ThreadId>) -> io::Result<Runtime> {
        let blocking = BlockingSpawner::new(PoolConfig {
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            after_start: self.after_start.clone(),
            before_stop: self.before_stop.clone(),
            max_threads: self.max_blocking_threads,
            keep_alive: self.keep_alive.unwrap_or(Duration::from_secs(10)),
        });
        let time = self.enable_time.then(|| crate::time::driver::Handle::new(self.start_paused));
        let io = if self.enable_io {
            let busy = self.max_io_events_busy.unwrap_or(self.max_io_events);
            Some(crate::io::driver::Handle::new(self.max_io_events, busy)?)
        } else {
            None
        };
        match self.kind {
            Kind::CurrentThread => {
                let config = current_thread::Config {
                    io,
                    time,
                    event_interval: self.event_interval,
                    global_queue_interval: self.global_queue_interval.unwrap_or(31),
                    before_park: self.before_park.clone(),
                    after_unpark: self.after_unpark.clone(),
                    local_owner,
                    seed_generator: self.seed_generator.next_generator(),
                    id: crate::runtime::Id::next(),
                    name: self.name.clone(),
                };
                let inner = scheduler::Handle::CurrentThread(current_thread::Handle::new(config, blocking));
                Ok(Runtime::from_parts(Handle { inner }, RuntimeFlavor::CurrentThread))
            }
            Kind::MultiThread => {
                let worker_threads = self
                    .worker_threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
                // Tokio panics here too (its clock's `pause` at build).
                assert!(!self.start_paused, "{}", crate::runtime::messages::PAUSE_NEEDS_CURRENT_THREAD);
                let config = multi_thread::Config {
                    io,
                    time,
                    worker_threads,
                    event_interval: self.event_interval,
                    global_queue_interval: self.global_queue_interval.unwrap_or(61),
                    disable_lifo_slot: self.disable_lifo_slot,
                    thread_name: self.thread_name.clone(),
                    thread_stack_size: self.thread_stack_size,
                    after_start: self.after_start.clone(),
                    before_stop: self.before_stop.clone(),
                    before_park: self.before_park.clone(),
                    after_unpark: self.after_unpark.clone(),
                    seed_generator: self.seed_generator.next_generator(),
                    worker_seed: self.seed_generator.next_seed(),
                    id: crate::runtime::Id::next(),
                    name: self.name.clone(),
                };
                let inner = scheduler::Handle::MultiThread(multi_thread::Handle::launch(config, blocking)?);
                Ok(Runtime::from_parts(Handle { inner }, RuntimeFlavor::MultiThread))
            }
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("thread_keep_alive", &self.keep_alive)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .field("disable_lifo_slot", &self.disable_lifo_slot)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
