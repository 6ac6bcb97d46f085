//! Asynchronous signal handling (Tokio's `tokio::signal`).
//!
//! Signal handling is a process-wide affair: a handler installed for one
//! signal number serves every runtime of the process. tern installs its
//! handler through `signal-hook-registry` (so it coexists with other users
//! of that crate); the handler only records the delivery and writes a byte
//! to a self-pipe that each runtime's I/O driver watches.
//!
//! # Departure from Tokio: the default disposition comes back
//!
//! Tokio leaves its handler installed for the rest of the process once a
//! signal was listened for, so after a `ctrl_c()` listener is gone a
//! second ctrl-c is swallowed (Tokio issue 7905). In tern, when the last
//! listener of a signal is dropped, the disposition the signal had before
//! tern first handled it (normally `SIG_DFL`) is put back: a ctrl-c then
//! ends the program again. Inside a runtime (with its timer) that happens
//! 10 ms after the drop, and only if no new listener exists by then: a
//! loop that makes a fresh `ctrl_c()` every turn, in a `select!` against
//! its messages, keeps the handler rather than reinstalling it each turn
//! (a signal in such a gap is counted and seen by no listener, as on
//! Tokio). Outside a runtime it happens at once. While no tern listener
//! exists, actions that other code registered with `signal-hook-registry`
//! for that signal are not called either. A signal sent while a listener
//! existed but taken by a thread only after the last listener was dropped
//! meets the restored disposition: keep a listener until the signals you
//! expect have arrived.
//!
//! # Examples
//!
//! Print on "ctrl-c" notification.
//!
//! ```no_run
//! use tern::signal;
//!
//! #[tern::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     signal::ctrl_c().await?;
//!     println!("ctrl-c received!");
//!     Ok(())
//! }
//! ```
//!
//! Wait for `SIGHUP` on Unix
//!
//! ```no_run
//! use tern::signal::unix::{signal, SignalKind};
//!
//! #[tern::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // An infinite stream of hangup signals.
//!     let mut stream = signal(SignalKind::hangup())?;
//!
//!     // Print whenever a HUP signal is received
//!     loop {
//!         stream.recv().await;
//!         println!("got signal HUP");
//!     }
//! }
//! ```

pub(crate) mod registry;
pub mod unix;

use std::future::Future;
use std::io;

/// Completes when a "ctrl-c" notification (`SIGINT`) is sent to the
/// process.
///
/// Called inside a runtime with the I/O driver enabled, `ctrl_c()`
/// registers its listener right away: the future completes on the first
/// `ctrl-c` received **after the call**. Called anywhere else, it
/// registers on its first poll, as Tokio's always does, and completes on
/// the first `ctrl-c` received after that poll.
///
/// # Departure from Tokio: no window between the call and the first poll
///
/// Tokio registers only when the future is first polled, so a program
/// that announces it is ready (prints its address, say) and then hands
/// `ctrl_c()` to a server's graceful-shutdown hook can be killed by a
/// ctrl-c that arrives in between. Calling `ctrl_c()` before announcing
/// closes that window on tern. The return type is an opaque future in both
/// crates, so code written for either compiles with the other.
///
/// # Caveats
///
/// While the listener exists, `SIGINT` no longer terminates the process:
/// its deliveries become events. Unlike Tokio, once the future completes
/// or is dropped (and no other `SIGINT` listener exists), the signal's
/// previous disposition is restored (10 ms later inside a runtime, see
/// the [module docs](self)), so a second ctrl-c terminates the
/// program as usual (see the [module docs](self)).
///
/// # Errors
///
/// Fails if the handler cannot be installed.
///
/// # Panics
///
/// When polled outside of a runtime with the I/O driver enabled.
///
/// # Examples
///
/// ```no_run
/// use tern::signal;
///
/// #[tern::main]
/// async fn main() {
///     println!("waiting for ctrl-c");
///
///     signal::ctrl_c().await.expect("failed to listen for event");
///
///     println!("received ctrl-c event");
/// }
/// ```
///
/// Listen in the background:
///
/// ```no_run
/// # #[tern::main] async fn main() {
/// tern::spawn(async move {
///     tern::signal::ctrl_c().await.unwrap();
///     // Your handler here
/// });
/// # }
/// ```
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> + Send + 'static {
    let interrupt = unix::SignalKind::interrupt();
    // Registered now if there is a runtime to register with; `None` leaves
    // it (and Tokio's panic when there is none) to the first poll.
    let io_enabled = crate::runtime::context::with_current_ref(|h| h.io_handle().is_some());
    let early = matches!(io_enabled, Ok(true)).then(|| unix::signal(interrupt));
    async move {
        let mut listener = match early {
            Some(registered) => registered?,
            None => unix::signal(interrupt)?,
        };
        listener.recv().await;
        Ok(())
    }
}
